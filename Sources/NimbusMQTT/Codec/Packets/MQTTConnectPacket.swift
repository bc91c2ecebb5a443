import NIOCore

/// CONNECT (client → server): the first packet of every connection, which also fixes its protocol version.
///
/// Unlike every other packet it carries its own version (protocol name and level), so it is decoded without
/// knowing one. A broker that must answer a failed CONNECT first calls `protocolVersion(of:)`: if that throws,
/// it cannot know which CONNACK format the client reads and answers in the 3.1.1 format (`20 02 00 01`), as
/// mosquitto does; otherwise it knows which format to use for errors thrown by the full decode.
public struct MQTTConnectPacket: MQTTControlPacket {
    public var packetType: MQTTPacketType { .connect }

    public var protocolVersion: MQTTProtocolVersion
    /// Empty means "assign me one": allowed in MQTT 5, and in 3.1.1 only with `cleanStart`.
    public var clientIdentifier: String
    /// Clean Start (MQTT 5) or Clean Session (3.1, 3.1.1): discard any existing session.
    public var cleanStart: Bool
    /// Seconds between control packets the client promises; 0 disables keep alive.
    public var keepAlive: UInt16
    public var will: MQTTWill?
    public var username: String?
    /// Binary data, not a string: MQTT 5 and 3.1.1 allow any bytes.
    public var password: ByteBuffer?
    public var properties: MQTTProperties

    public init(
        protocolVersion: MQTTProtocolVersion,
        clientIdentifier: String,
        cleanStart: Bool = true,
        keepAlive: UInt16 = 60,
        will: MQTTWill? = nil,
        username: String? = nil,
        password: ByteBuffer? = nil,
        properties: MQTTProperties = .init()
    ) {
        self.protocolVersion = protocolVersion
        self.clientIdentifier = clientIdentifier
        self.cleanStart = cleanStart
        self.keepAlive = keepAlive
        self.will = will
        self.username = username
        self.password = password
        self.properties = properties
    }

    /// Reads just the protocol name and level of a CONNECT frame.
    ///
    /// - Throws: `MQTTProtocolError.unsupportedProtocolVersion` (0x84; 3.1.1 return code 1) for a name and level
    ///   we do not speak, or a malformed-packet error if not even those can be read.
    public static func protocolVersion(of frame: MQTTFrame) throws -> MQTTProtocolVersion {
        var body = frame.body
        return try readProtocolVersion(from: &body)
    }

    private static func readProtocolVersion(from body: inout ByteBuffer) throws -> MQTTProtocolVersion {
        let name = try body.readMQTTString()
        let level = try body.readMQTTByte()
        guard let version = MQTTProtocolVersion(protocolName: name, level: level) else {
            throw MQTTProtocolError.unsupportedProtocolVersion(name: name, level: level)
        }
        return version
    }

    public init(frame: MQTTFrame, version _: MQTTProtocolVersion) throws {
        var body = frame.body
        let version = try Self.readProtocolVersion(from: &body)
        let flags = try ConnectFlags(rawValue: body.readMQTTByte(), version: version)
        let keepAlive = try body.readMQTTTwoByteInteger()
        let properties = try MQTTProperties.read(from: &body, version: version, in: .connect)
        let clientIdentifier = try body.readMQTTString()
        try Self.validate(clientIdentifier: clientIdentifier, cleanStart: flags.cleanStart, version: version)

        var will: MQTTWill?
        if let willQoS = flags.willQoS {
            let willProperties = version.hasProperties ? try MQTTProperties.read(from: &body, location: .will) : MQTTProperties()
            let topic = try body.readMQTTString()
            try MQTTTopicName.validate(topic)
            let payload = try body.readMQTTBinary()
            will = MQTTWill(topic: topic, payload: payload, qos: willQoS, retain: flags.willRetain, properties: willProperties)
        }
        let username = flags.hasUsername ? try body.readMQTTString() : nil
        let password = flags.hasPassword ? try body.readMQTTBinary() : nil
        try body.ensureFullyRead()

        self.init(
            protocolVersion: version,
            clientIdentifier: clientIdentifier,
            cleanStart: flags.cleanStart,
            keepAlive: keepAlive,
            will: will,
            username: username,
            password: password,
            properties: properties
        )
    }

    /// Writes the packet for its own `protocolVersion`; the `version` argument is ignored.
    public func writeBody(into buffer: inout ByteBuffer, version _: MQTTProtocolVersion) throws {
        let version = protocolVersion
        try Self.validate(clientIdentifier: clientIdentifier, cleanStart: cleanStart, version: version)
        let flags = ConnectFlags(
            cleanStart: cleanStart,
            willQoS: will?.qos,
            willRetain: will?.retain ?? false,
            hasUsername: username != nil,
            hasPassword: password != nil
        )
        try flags.validate(version: version)
        try buffer.writeMQTTString(version.protocolName)
        buffer.writeInteger(version.level)
        buffer.writeInteger(flags.rawValue)
        buffer.writeMQTTTwoByteInteger(keepAlive)
        try properties.write(into: &buffer, version: version, in: .connect)
        try buffer.writeMQTTString(clientIdentifier)
        if let will {
            if version.hasProperties { try will.properties.write(into: &buffer, location: .will) }
            try MQTTTopicName.validate(will.topic)
            try buffer.writeMQTTString(will.topic)
            try buffer.writeMQTTBinary(will.payload)
        }
        if let username { try buffer.writeMQTTString(username) }
        if let password { try buffer.writeMQTTBinary(password) }
    }

    /// MQTT 3.1 requires a client identifier (of 1–23 characters; like mosquitto we do not enforce the upper
    /// bound, which many 3.1 clients exceed). MQTT 3.1.1 allows an empty one only with Clean Session, because
    /// there would be no way to resume the session (MQTT-3.1.3-8). MQTT 5 always allows it.
    private static func validate(clientIdentifier: String, cleanStart: Bool, version: MQTTProtocolVersion) throws {
        guard clientIdentifier.isEmpty else { return }
        switch version {
        case .v3_1: throw MQTTProtocolError.clientIdentifierNotValid
        case .v3_1_1: if !cleanStart { throw MQTTProtocolError.clientIdentifierNotValid }
        case .v5: break
        }
    }
}

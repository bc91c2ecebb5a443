import NIOCore

/// PUBLISH (both directions): one application message.
///
/// `qos` and `packetIdentifier` travel together: QoS 0 has no identifier, QoS 1 and 2 have a non-zero one.
/// When the broker forwards a message it builds a new packet per subscriber (its own identifier, the granted
/// QoS, the subscriber's subscription identifiers), so the fields are plain `var`s.
public struct MQTTPublishPacket: MQTTControlPacket {
    public var packetType: MQTTPacketType { .publish }

    /// The topic name; empty only in MQTT 5 when a Topic Alias stands for it.
    public var topicName: String
    public var payload: ByteBuffer
    public var qos: MQTTQoS
    /// Retain flag: store as the topic's retained message (client → server), or "this is a retained message"
    /// (server → client).
    public var retain: Bool
    /// DUP flag: this is a redelivery of a QoS 1/2 message. Never set on QoS 0.
    public var duplicate: Bool
    /// Present exactly when `qos` is above 0.
    public var packetIdentifier: UInt16?
    public var properties: MQTTProperties

    public init(
        topicName: String,
        payload: ByteBuffer,
        qos: MQTTQoS = .atMostOnce,
        retain: Bool = false,
        duplicate: Bool = false,
        packetIdentifier: UInt16? = nil,
        properties: MQTTProperties = .init()
    ) {
        self.topicName = topicName
        self.payload = payload
        self.qos = qos
        self.retain = retain
        self.duplicate = duplicate
        self.packetIdentifier = packetIdentifier
        self.properties = properties
    }

    public var fixedHeaderFlags: UInt8 {
        (duplicate ? 0b1000 : 0) | qos.rawValue << 1 | (retain ? 1 : 0)
    }

    /// - Throws: `invalidQoS` for QoS 3 (MQTT-3.3.1-4) and `invalidFixedHeaderFlags` for DUP on QoS 0
    ///   (MQTT-3.3.1-2), both 0x81; `invalidPacketIdentifier` for identifier 0 (0x82); `invalidTopicName` (0x90)
    ///   or `invalidTopicAlias` (0x94) for the topic.
    public init(frame: MQTTFrame, version: MQTTProtocolVersion) throws {
        let qosBits = (frame.flags >> 1) & 0b11
        guard let qos = MQTTQoS(rawValue: qosBits) else { throw MQTTProtocolError.invalidQoS(qosBits) }
        let duplicate = frame.flags & 0b1000 != 0
        guard qos != .atMostOnce || !duplicate else {
            throw MQTTProtocolError.invalidFixedHeaderFlags(.publish, flags: frame.flags)
        }
        var body = frame.body
        let topicName = try body.readMQTTString()
        let packetIdentifier = qos == .atMostOnce ? nil : try body.readMQTTPacketIdentifier(for: .publish)
        let properties = try MQTTProperties.read(from: &body, version: version, in: .publish)
        try Self.validate(topicName: topicName, properties: properties, version: version)
        self.init(
            topicName: topicName,
            payload: body,
            qos: qos,
            retain: frame.flags & 1 != 0,
            duplicate: duplicate,
            packetIdentifier: packetIdentifier,
            properties: properties
        )
    }

    public func writeBody(into buffer: inout ByteBuffer, version: MQTTProtocolVersion) throws {
        try Self.validate(topicName: topicName, properties: properties, version: version)
        guard qos != .atMostOnce || !duplicate else {
            throw MQTTProtocolError.invalidFixedHeaderFlags(.publish, flags: fixedHeaderFlags)
        }
        guard (qos == .atMostOnce) == (packetIdentifier == nil) else { throw MQTTProtocolError.invalidPacketIdentifier(.publish) }
        try buffer.writeMQTTString(topicName)
        if let packetIdentifier { try buffer.writeMQTTPacketIdentifier(packetIdentifier, for: .publish) }
        try properties.write(into: &buffer, version: version, in: .publish)
        buffer.writeImmutableBuffer(payload)
    }

    /// A topic name must be valid, except that MQTT 5 lets a Topic Alias replace it with an empty string
    /// (MQTT-3.3.2-1, section 3.3.2.3.4). Resolving the alias is the session's job, since aliases are per connection.
    private static func validate(topicName: String, properties: MQTTProperties, version: MQTTProtocolVersion) throws {
        if topicName.isEmpty, version.hasProperties {
            guard properties.topicAlias != nil else { throw MQTTProtocolError.invalidTopicAlias }
        } else {
            try MQTTTopicName.validate(topicName)
        }
    }
}

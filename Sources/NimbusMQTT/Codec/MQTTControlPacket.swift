import NIOCore

/// What every packet struct provides, so `MQTTPacket` can decode and encode any of them the same way.
///
/// Every packet reads and writes in both directions, although a server only decodes client→server packets and
/// encodes server→client ones: tests round-trip every packet, and a test client is built from the same types.
public protocol MQTTControlPacket: Sendable, Hashable {
    /// The packet type the fixed header carries.
    var packetType: MQTTPacketType { get }

    /// The fixed header's low nibble. Defaults to the packet type's required flags; PUBLISH overrides it.
    var fixedHeaderFlags: UInt8 { get }

    /// Parses the packet from a frame whose type and reserved flags the frame decoder already checked.
    ///
    /// - Parameter version: the connection's protocol version. CONNECT ignores it: it carries its own.
    /// - Throws: `MQTTProtocolError`, with the reason code to answer with.
    init(frame: MQTTFrame, version: MQTTProtocolVersion) throws

    /// Writes the variable header and payload (everything after the fixed header) for `version`.
    ///
    /// - Throws: `MQTTProtocolError` when the packet breaks a rule of the specification, so a broker bug
    ///   surfaces as an error instead of a packet the peer would reject.
    func writeBody(into buffer: inout ByteBuffer, version: MQTTProtocolVersion) throws
}

extension MQTTControlPacket {
    public var fixedHeaderFlags: UInt8 { packetType.requiredFlags ?? 0 }

    /// The packet as a frame for a connection speaking `version`.
    public func frame(version: MQTTProtocolVersion) throws -> MQTTFrame {
        var body = ByteBuffer()
        try writeBody(into: &body, version: version)
        return MQTTFrame(type: packetType, flags: fixedHeaderFlags, body: body)
    }
}

extension MQTTProperties {
    /// Reads the properties of an MQTT 5 packet; older versions have none, so they read nothing.
    static func read(from buffer: inout ByteBuffer, version: MQTTProtocolVersion, in packetType: MQTTPacketType) throws
        -> MQTTProperties
    {
        guard version.hasProperties else { return MQTTProperties() }
        return try read(from: &buffer, location: .packet(packetType))
    }

    /// Writes the properties for an MQTT 5 packet; for older versions nothing is written and the properties are
    /// dropped, which is what forwarding an MQTT 5 message to an MQTT 3.1.1 subscriber needs.
    func write(into buffer: inout ByteBuffer, version: MQTTProtocolVersion, in packetType: MQTTPacketType) throws {
        guard version.hasProperties else { return }
        try write(into: &buffer, location: .packet(packetType))
    }
}

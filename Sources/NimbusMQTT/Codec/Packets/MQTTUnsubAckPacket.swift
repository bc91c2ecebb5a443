import NIOCore

/// UNSUBACK (server → client): confirms an UNSUBSCRIBE; MQTT 5 adds one reason code per filter.
public struct MQTTUnsubAckPacket: MQTTControlPacket {
    public var packetType: MQTTPacketType { .unsubAck }

    public var packetIdentifier: UInt16
    /// MQTT 5 only: one code per filter (0x00 or 0x11 No subscription existed, …). Empty when decoded from
    /// 3.1/3.1.1, and dropped when encoding for them, because those versions carry no outcome.
    public var reasonCodes: [MQTTReasonCode]
    public var properties: MQTTProperties

    public init(packetIdentifier: UInt16, reasonCodes: [MQTTReasonCode] = [], properties: MQTTProperties = .init()) {
        self.packetIdentifier = packetIdentifier
        self.reasonCodes = reasonCodes
        self.properties = properties
    }

    public init(frame: MQTTFrame, version: MQTTProtocolVersion) throws {
        var body = frame.body
        packetIdentifier = try body.readMQTTPacketIdentifier(for: .unsubAck)
        properties = try MQTTProperties.read(from: &body, version: version, in: .unsubAck)
        reasonCodes = []
        if version.hasProperties {
            while body.readableBytes > 0 {
                let code = MQTTReasonCode(rawValue: try body.readMQTTByte())
                guard code.isAllowed(in: .unsubAck) else { throw MQTTProtocolError.invalidReasonCode(code, .unsubAck) }
                reasonCodes.append(code)
            }
            guard !reasonCodes.isEmpty else { throw MQTTProtocolError.missingPayload(.unsubAck) }
        }
        try body.ensureFullyRead()
    }

    public func writeBody(into buffer: inout ByteBuffer, version: MQTTProtocolVersion) throws {
        try buffer.writeMQTTPacketIdentifier(packetIdentifier, for: .unsubAck)
        guard version.hasProperties else { return }
        guard !reasonCodes.isEmpty else { throw MQTTProtocolError.missingPayload(.unsubAck) }
        try properties.write(into: &buffer, location: .packet(.unsubAck))
        for code in reasonCodes {
            guard code.isAllowed(in: .unsubAck) else { throw MQTTProtocolError.invalidReasonCode(code, .unsubAck) }
            buffer.writeInteger(code.rawValue)
        }
    }
}

import NIOCore

/// SUBACK (server → client): one reason code per filter of the SUBSCRIBE it answers, in the same order.
///
/// Codes are MQTT 5 codes; for 3.1 and 3.1.1 they are written as the granted QoS or 0x80
/// (`MQTTReasonCode.subscribeReturnCode`), so the broker decides outcomes once for every version.
public struct MQTTSubAckPacket: MQTTControlPacket {
    public var packetType: MQTTPacketType { .subAck }

    public var packetIdentifier: UInt16
    public var reasonCodes: [MQTTReasonCode]
    public var properties: MQTTProperties

    public init(packetIdentifier: UInt16, reasonCodes: [MQTTReasonCode], properties: MQTTProperties = .init()) {
        self.packetIdentifier = packetIdentifier
        self.reasonCodes = reasonCodes
        self.properties = properties
    }

    public init(frame: MQTTFrame, version: MQTTProtocolVersion) throws {
        var body = frame.body
        packetIdentifier = try body.readMQTTPacketIdentifier(for: .subAck)
        properties = try MQTTProperties.read(from: &body, version: version, in: .subAck)
        reasonCodes = []
        while body.readableBytes > 0 {
            let rawCode = try body.readMQTTByte()
            let code = version.hasProperties ? MQTTReasonCode(rawValue: rawCode) : MQTTReasonCode(subscribeReturnCode: rawCode)
            guard let code, code.isAllowed(in: .subAck) else {
                throw MQTTProtocolError.invalidReasonCode(MQTTReasonCode(rawValue: rawCode), .subAck)
            }
            reasonCodes.append(code)
        }
        guard !reasonCodes.isEmpty else { throw MQTTProtocolError.missingPayload(.subAck) }
    }

    public func writeBody(into buffer: inout ByteBuffer, version: MQTTProtocolVersion) throws {
        guard !reasonCodes.isEmpty else { throw MQTTProtocolError.missingPayload(.subAck) }
        try buffer.writeMQTTPacketIdentifier(packetIdentifier, for: .subAck)
        try properties.write(into: &buffer, version: version, in: .subAck)
        for code in reasonCodes {
            guard code.isAllowed(in: .subAck) else { throw MQTTProtocolError.invalidReasonCode(code, .subAck) }
            buffer.writeInteger(version.hasProperties ? code.rawValue : code.subscribeReturnCode)
        }
    }
}

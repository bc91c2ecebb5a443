import NIOCore

/// AUTH (both directions, MQTT 5 only): one step of an extended authentication exchange (for example SCRAM),
/// carrying the Authentication Method and Data properties. Earlier versions have no such packet; `MQTTPacket`
/// rejects type 15 on their connections before this type is reached.
public struct MQTTAuthPacket: MQTTControlPacket {
    public var packetType: MQTTPacketType { .auth }

    /// 0x00 Success, 0x18 Continue authentication or 0x19 Re-authenticate.
    public var reasonCode: MQTTReasonCode
    public var properties: MQTTProperties

    public init(reasonCode: MQTTReasonCode = .success, properties: MQTTProperties = .init()) {
        self.reasonCode = reasonCode
        self.properties = properties
    }

    public init(frame: MQTTFrame, version _: MQTTProtocolVersion) throws {
        var body = frame.body
        (reasonCode, properties) = try body.readMQTTReasonCodeAndProperties(for: .auth)
        try body.ensureFullyRead()
    }

    public func writeBody(into buffer: inout ByteBuffer, version _: MQTTProtocolVersion) throws {
        try buffer.writeMQTTReasonCodeAndProperties(reasonCode, properties, for: .auth)
    }
}

import NIOCore

/// DISCONNECT (client → server, and server → client in MQTT 5): the orderly end of a connection.
///
/// In 3.1 and 3.1.1 it is empty and only a client sends it; in MQTT 5 either side may, with a reason code (the
/// broker sends `MQTTProtocolError.reasonCode` here before closing) and properties.
public struct MQTTDisconnectPacket: MQTTControlPacket {
    public var packetType: MQTTPacketType { .disconnect }

    /// MQTT 5 only; `.normalDisconnection` when absent.
    public var reasonCode: MQTTReasonCode
    /// MQTT 5: Session Expiry Interval (client), Server Reference (server), Reason String, User Properties.
    public var properties: MQTTProperties

    public init(reasonCode: MQTTReasonCode = .normalDisconnection, properties: MQTTProperties = .init()) {
        self.reasonCode = reasonCode
        self.properties = properties
    }

    public init(frame: MQTTFrame, version: MQTTProtocolVersion) throws {
        var body = frame.body
        if version.hasProperties {
            (reasonCode, properties) = try body.readMQTTReasonCodeAndProperties(for: .disconnect)
        } else {
            (reasonCode, properties) = (.normalDisconnection, MQTTProperties())
        }
        try body.ensureFullyRead()
    }

    public func writeBody(into buffer: inout ByteBuffer, version: MQTTProtocolVersion) throws {
        guard version.hasProperties else { return }
        try buffer.writeMQTTReasonCodeAndProperties(reasonCode, properties, for: .disconnect)
    }
}

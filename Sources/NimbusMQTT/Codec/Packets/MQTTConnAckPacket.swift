import NIOCore

/// CONNACK (server → client): accepts or refuses a CONNECT.
///
/// The reason code is always an MQTT 5 code; for 3.1 and 3.1.1 it is written as the matching return code 0–5
/// (`MQTTReasonCode.connectReturnCode`), and encoding throws for a code those versions cannot express, because
/// the broker must then close the connection without a CONNACK.
public struct MQTTConnAckPacket: MQTTControlPacket {
    public var packetType: MQTTPacketType { .connAck }

    /// The server still holds a session for this client. Always false when refusing; MQTT 3.1 has no such flag.
    public var sessionPresent: Bool
    public var reasonCode: MQTTReasonCode
    /// MQTT 5 only: the server's limits and capabilities (Receive Maximum, Maximum QoS, …).
    public var properties: MQTTProperties

    public init(sessionPresent: Bool = false, reasonCode: MQTTReasonCode = .success, properties: MQTTProperties = .init()) {
        self.sessionPresent = sessionPresent
        self.reasonCode = reasonCode
        self.properties = properties
    }

    public init(frame: MQTTFrame, version: MQTTProtocolVersion) throws {
        var body = frame.body
        let acknowledgeFlags = try body.readMQTTByte()
        // MQTT 3.1 calls the first byte reserved and unused; 3.1.1 and 5 use bit 0 and reserve the others.
        if version > .v3_1, acknowledgeFlags & 0b1111_1110 != 0 {
            throw MQTTProtocolError.reservedBitsSet(.connAck)
        }
        let rawCode = try body.readMQTTByte()
        if version.hasProperties {
            reasonCode = MQTTReasonCode(rawValue: rawCode)
            guard reasonCode.isAllowed(in: .connAck) else { throw MQTTProtocolError.invalidReasonCode(reasonCode, .connAck) }
        } else {
            guard let code = MQTTReasonCode(connectReturnCode: rawCode) else {
                throw MQTTProtocolError.invalidReasonCode(MQTTReasonCode(rawValue: rawCode), .connAck)
            }
            reasonCode = code
        }
        sessionPresent = version > .v3_1 && acknowledgeFlags & 1 == 1
        properties = try MQTTProperties.read(from: &body, version: version, in: .connAck)
        try body.ensureFullyRead()
    }

    public func writeBody(into buffer: inout ByteBuffer, version: MQTTProtocolVersion) throws {
        buffer.writeInteger(UInt8(version > .v3_1 && sessionPresent ? 1 : 0))
        if version.hasProperties {
            guard reasonCode.isAllowed(in: .connAck) else { throw MQTTProtocolError.invalidReasonCode(reasonCode, .connAck) }
            buffer.writeInteger(reasonCode.rawValue)
        } else {
            guard let returnCode = reasonCode.connectReturnCode else {
                throw MQTTProtocolError.invalidReasonCode(reasonCode, .connAck)
            }
            buffer.writeInteger(returnCode)
        }
        try properties.write(into: &buffer, version: version, in: .connAck)
    }
}

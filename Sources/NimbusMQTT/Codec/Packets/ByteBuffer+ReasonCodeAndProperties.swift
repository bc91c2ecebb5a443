import NIOCore

/// The MQTT 5 tail shared by PUBACK, PUBREC, PUBREL, PUBCOMP, DISCONNECT and AUTH: a reason code and properties
/// that may both be left out when the code is 0x00 and there are no properties, and properties that may be left
/// out on their own (sections 3.4.2.1, 3.14.2.1, 3.15.2.1).
extension ByteBuffer {
    /// Reads the optional reason code and properties, checking the code is allowed in `packetType`.
    mutating func readMQTTReasonCodeAndProperties(for packetType: MQTTPacketType) throws -> (MQTTReasonCode, MQTTProperties) {
        guard readableBytes > 0 else { return (.success, MQTTProperties()) }
        let reasonCode = MQTTReasonCode(rawValue: try readMQTTByte())
        guard reasonCode.isAllowed(in: packetType) else { throw MQTTProtocolError.invalidReasonCode(reasonCode, packetType) }
        guard readableBytes > 0 else { return (reasonCode, MQTTProperties()) }
        return (reasonCode, try MQTTProperties.read(from: &self, location: .packet(packetType)))
    }

    /// Writes nothing for success without properties, the shortest form every receiver accepts; otherwise the
    /// reason code and the properties, always with their length so no receiver has to infer it.
    mutating func writeMQTTReasonCodeAndProperties(
        _ reasonCode: MQTTReasonCode,
        _ properties: MQTTProperties,
        for packetType: MQTTPacketType
    ) throws {
        guard reasonCode.isAllowed(in: packetType) else { throw MQTTProtocolError.invalidReasonCode(reasonCode, packetType) }
        guard reasonCode != .success || !properties.isEmpty else { return }
        writeInteger(reasonCode.rawValue)
        try properties.write(into: &self, location: .packet(packetType))
    }
}

import NIOCore

extension MQTTMessage {
    /// The message as bytes for storage: an MQTT 5 PUBLISH packet, so that the codec that reads the wire reads it
    /// back, properties and all, and there is no second format to keep in step.
    public func archived() throws -> [UInt8] {
        let packet = MQTTPublishPacket(
            topicName: topic, payload: payload, qos: qos, retain: retain, duplicate: false,
            packetIdentifier: qos == .atMostOnce ? nil : 1, properties: forwardedProperties())
        var buffer = ByteBuffer()
        try MQTTPacket.publish(packet).encode(into: &buffer, version: .v5)
        return Array(buffer.readableBytesView)
    }

    /// A message from `archived()` bytes.
    /// - Throws: `MQTTProtocolError` if the bytes are not one whole PUBLISH packet.
    public init(archived bytes: [UInt8]) throws {
        var buffer = ByteBuffer(bytes: bytes)
        var decoder = MQTTFrameDecoder()
        guard let frame = try decoder.decode(buffer: &buffer), frame.type == .publish, buffer.readableBytes == 0 else {
            throw MQTTProtocolError.truncatedPacket
        }
        let packet = try MQTTPublishPacket(frame: frame, version: .v5)
        self.init(packet, topic: packet.topicName)
        startExpiry()
    }
}

import NIOCore

/// UNSUBSCRIBE (client → server): one or more topic filters to remove, compared as strings with the filters
/// subscribed (a filter that was never valid simply matches no subscription).
public struct MQTTUnsubscribePacket: MQTTControlPacket {
    public var packetType: MQTTPacketType { .unsubscribe }

    public var packetIdentifier: UInt16
    /// At least one, in the order an MQTT 5 UNSUBACK's reason codes answer them.
    public var topicFilters: [String]
    public var properties: MQTTProperties

    public init(packetIdentifier: UInt16, topicFilters: [String], properties: MQTTProperties = .init()) {
        self.packetIdentifier = packetIdentifier
        self.topicFilters = topicFilters
        self.properties = properties
    }

    /// - Throws: `invalidPacketIdentifier` and `missingPayload` (0x82) for identifier 0 or no filters (MQTT-3.10.3-2).
    public init(frame: MQTTFrame, version: MQTTProtocolVersion) throws {
        var body = frame.body
        packetIdentifier = try body.readMQTTPacketIdentifier(for: .unsubscribe)
        properties = try MQTTProperties.read(from: &body, version: version, in: .unsubscribe)
        topicFilters = []
        while body.readableBytes > 0 {
            topicFilters.append(try body.readMQTTString())
        }
        guard !topicFilters.isEmpty else { throw MQTTProtocolError.missingPayload(.unsubscribe) }
    }

    public func writeBody(into buffer: inout ByteBuffer, version: MQTTProtocolVersion) throws {
        guard !topicFilters.isEmpty else { throw MQTTProtocolError.missingPayload(.unsubscribe) }
        try buffer.writeMQTTPacketIdentifier(packetIdentifier, for: .unsubscribe)
        try properties.write(into: &buffer, version: version, in: .unsubscribe)
        for filter in topicFilters {
            try buffer.writeMQTTString(filter)
        }
    }
}

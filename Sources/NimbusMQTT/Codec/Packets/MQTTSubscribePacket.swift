import NIOCore

/// SUBSCRIBE (client → server): one or more topic filters, each with its subscription options.
///
/// Filters are kept as strings, not parsed `MQTTTopicFilter`s: a filter that breaks the wildcard rules is
/// answered per filter in SUBACK (0x8F Topic Filter invalid, or 0x80 before MQTT 5), so the broker parses each one
/// with `MQTTTopicFilter(_:)` while building that answer, instead of the whole packet failing here.
public struct MQTTSubscribePacket: MQTTControlPacket {
    /// One requested subscription: a filter and how to deliver what matches it.
    public struct Subscription: Sendable, Hashable {
        public var topicFilter: String
        public var options: MQTTSubscriptionOptions

        public init(topicFilter: String, options: MQTTSubscriptionOptions = .init()) {
            self.topicFilter = topicFilter
            self.options = options
        }
    }

    public var packetType: MQTTPacketType { .subscribe }

    public var packetIdentifier: UInt16
    /// At least one, in the order the SUBACK's reason codes answer them.
    public var subscriptions: [Subscription]
    /// MQTT 5: at most one Subscription Identifier, and User Properties.
    public var properties: MQTTProperties

    public init(packetIdentifier: UInt16, subscriptions: [Subscription], properties: MQTTProperties = .init()) {
        self.packetIdentifier = packetIdentifier
        self.subscriptions = subscriptions
        self.properties = properties
    }

    /// - Throws: `invalidPacketIdentifier` and `missingPayload` (0x82) for identifier 0 or no filters
    ///   (MQTT-3.8.3-3), and the option errors of `MQTTSubscriptionOptions`.
    public init(frame: MQTTFrame, version: MQTTProtocolVersion) throws {
        var body = frame.body
        packetIdentifier = try body.readMQTTPacketIdentifier(for: .subscribe)
        properties = try MQTTProperties.read(from: &body, version: version, in: .subscribe)
        subscriptions = []
        while body.readableBytes > 0 {
            let topicFilter = try body.readMQTTString()
            let options = try MQTTSubscriptionOptions(byte: body.readMQTTByte(), version: version)
            subscriptions.append(Subscription(topicFilter: topicFilter, options: options))
        }
        guard !subscriptions.isEmpty else { throw MQTTProtocolError.missingPayload(.subscribe) }
    }

    public func writeBody(into buffer: inout ByteBuffer, version: MQTTProtocolVersion) throws {
        guard !subscriptions.isEmpty else { throw MQTTProtocolError.missingPayload(.subscribe) }
        try buffer.writeMQTTPacketIdentifier(packetIdentifier, for: .subscribe)
        try properties.write(into: &buffer, version: version, in: .subscribe)
        for subscription in subscriptions {
            try buffer.writeMQTTString(subscription.topicFilter)
            buffer.writeInteger(subscription.options.byte(version: version))
        }
    }
}

import NIOCore

extension MQTTMessage {
    /// The message of a PUBLISH whose topic (alias already resolved) is `topic`.
    init(_ publish: MQTTPublishPacket, topic: String) {
        var forwarded = publish.properties
        forwarded.topicAlias = nil
        forwarded.subscriptionIdentifiers = []
        self.init(topic: topic, payload: publish.payload, qos: publish.qos, retain: publish.retain, properties: forwarded)
    }
}

/// One message for one subscriber: the message, the QoS it is delivered at (the lower of the
/// publication's and the subscription's) and the subscription's delivery options.
public struct MQTTDelivery: Sendable, Hashable {
    public var message: MQTTMessage
    public var qos: MQTTQoS
    /// The topic as the subscriber sees it (its mount point removed).
    public var topic: String
    public var retain: Bool
    public var subscriptionIdentifiers: [UInt32]

    public init(message: MQTTMessage, qos: MQTTQoS, topic: String, retain: Bool, subscriptionIdentifiers: [UInt32] = []) {
        self.message = message
        self.qos = qos
        self.topic = topic
        self.retain = retain
        self.subscriptionIdentifiers = subscriptionIdentifiers
    }

    /// The PUBLISH that carries this delivery, with `packetIdentifier` when its QoS needs one.
    func packet(packetIdentifier: UInt16?, duplicate: Bool = false) -> MQTTPublishPacket {
        var properties = message.forwardedProperties()
        properties.subscriptionIdentifiers = subscriptionIdentifiers
        return MQTTPublishPacket(
            topicName: topic, payload: message.payload, qos: qos, retain: retain, duplicate: duplicate,
            packetIdentifier: packetIdentifier, properties: properties)
    }
}

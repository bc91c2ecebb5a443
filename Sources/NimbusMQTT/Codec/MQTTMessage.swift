import NIOCore

/// An application message: what a PUBLISH carries, what a CONNECT leaves as its will, and what the
/// broker routes, with the properties that travel with it.
public struct MQTTMessage: Sendable, Hashable {
    /// As the client named it on the wire; inside the broker, in its full namespace (mount point included).
    public var topic: String
    public var payload: ByteBuffer
    public var qos: MQTTQoS
    public var retain: Bool
    /// The MQTT 5 properties that are forwarded to subscribers (payload format, message expiry,
    /// content type, response topic, correlation data, user properties); a will also carries its
    /// Will Delay Interval here.
    public var properties: MQTTProperties
    /// When a message with an MQTT 5 Message Expiry Interval stops being deliverable; set by the broker when it
    /// takes the message in, so that queued and retained copies expire and forwarded ones carry what is left.
    public var expiresAt: ContinuousClock.Instant?

    public init(topic: String, payload: ByteBuffer, qos: MQTTQoS = .atMostOnce, retain: Bool = false, properties: MQTTProperties = .init()) {
        self.topic = topic
        self.payload = payload
        self.qos = qos
        self.retain = retain
        self.properties = properties
    }
}

extension MQTTMessage {
    /// Starts the expiry clock of a message that has a Message Expiry Interval (once: a message passing
    /// through the broker again keeps its deadline).
    mutating func startExpiry(now: ContinuousClock.Instant = .now) {
        guard expiresAt == nil, let interval = properties.messageExpiryInterval else { return }
        expiresAt = now + .seconds(interval)
    }

    /// Whether the message has expired and must no longer be delivered (MQTT-3.3.2-5).
    func isExpired(now: ContinuousClock.Instant = .now) -> Bool {
        guard let expiresAt else { return false }
        return expiresAt <= now
    }

    /// The properties to send: the Message Expiry Interval is what is left of it (MQTT-3.3.2-6).
    func forwardedProperties(now: ContinuousClock.Instant = .now) -> MQTTProperties {
        guard let expiresAt else { return properties }
        var properties = self.properties
        let left = (expiresAt - now).components
        properties.messageExpiryInterval = UInt32(clamping: max(1, left.seconds + (left.attoseconds > 0 ? 1 : 0)))
        return properties
    }
}

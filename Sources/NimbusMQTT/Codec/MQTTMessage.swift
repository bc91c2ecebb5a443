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

    public init(topic: String, payload: ByteBuffer, qos: MQTTQoS = .atMostOnce, retain: Bool = false, properties: MQTTProperties = .init()) {
        self.topic = topic
        self.payload = payload
        self.qos = qos
        self.retain = retain
        self.properties = properties
    }
}

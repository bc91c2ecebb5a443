import NIOCore

/// The message a client asks the broker to publish for it if its connection ends without a DISCONNECT:
/// CONNECT's will flag, QoS, retain, topic, payload and (MQTT 5) will properties, kept together because the
/// broker stores and eventually publishes them as one message.
public struct MQTTWill: Sendable, Hashable {
    /// Where the will is published; a valid topic name, never a filter.
    public var topic: String
    public var payload: ByteBuffer
    public var qos: MQTTQoS
    public var retain: Bool
    /// MQTT 5 will properties: Will Delay Interval plus the message properties PUBLISH carries.
    public var properties: MQTTProperties

    public init(topic: String, payload: ByteBuffer, qos: MQTTQoS = .atMostOnce, retain: Bool = false, properties: MQTTProperties = .init()) {
        self.topic = topic
        self.payload = payload
        self.qos = qos
        self.retain = retain
        self.properties = properties
    }
}

/// The message a client asks the broker to publish for it if its connection ends without a DISCONNECT:
/// CONNECT's will topic, payload, QoS, retain and (MQTT 5) will properties (Will Delay Interval plus the
/// message properties PUBLISH carries). It is an application message like any other, and the broker
/// stores and eventually publishes it as one.
public typealias MQTTWill = MQTTMessage

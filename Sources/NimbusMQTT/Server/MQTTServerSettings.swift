/// The limits and timings every connection of one MQTT server shares (`--mqtt-*` settings).
///
/// Each limit protects the server from one kind of client: a huge packet (`maximumPacketSize`, checked from the
/// fixed header before the body is buffered), a reader that stops reading (`maximumInFlight`, the broker's
/// bounded mailbox and `maximumQueuedMessages`), a writer that outruns durable storage (`receiveMaximum`), a flood
/// of connections (`maximumConnections`, `connectionsPerSecond`) and a socket that goes silent (keep-alive,
/// `connectTimeout`).
public struct MQTTServerSettings: Sendable, Hashable {
    /// The largest packet accepted, fixed header included; announced to MQTT 5 clients in CONNACK.
    public var maximumPacketSize = 1 << 20
    /// QoS 1/2 messages sent to one client and not yet acknowledged (capped further by its Receive Maximum).
    public var maximumInFlight = 100
    /// QoS 1/2 messages a session keeps while its client is away or slow; beyond it the oldest are dropped.
    public var maximumQueuedMessages = 1000
    /// PUBLISH packets of one client being made durable at once; announced to MQTT 5 clients as Receive
    /// Maximum. Past it the connection stops reading until the oldest is done.
    public var receiveMaximum: UInt16 = 100
    /// Topic aliases a client may set (MQTT 5).
    public var topicAliasMaximum: UInt16 = 32
    /// Open connections at once; one more is answered "server unavailable" (MQTT 5: 0x89 Server busy).
    public var maximumConnections = 100_000
    /// New connections per second (with a burst of as many); past it, "server unavailable" (MQTT 5: 0x9F).
    public var connectionsPerSecond = 1_000
    /// How long a new connection may take to send CONNECT.
    public var connectTimeout = Duration.seconds(10)

    public init() {}
}

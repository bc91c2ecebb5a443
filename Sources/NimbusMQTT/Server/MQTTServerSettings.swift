/// The limits and timings every connection of one MQTT server shares (`--mqtt-*` settings).
///
/// Each limit protects the server from one kind of client: a huge packet (`maximumPacketSize`, checked from the
/// fixed header before the body is buffered), a reader that stops reading (`maximumInFlight`, the broker's
/// bounded mailbox, `maximumQueuedMessages` and `maximumQueuedBytes`), a client that keeps too much
/// (`maximumPersistentSessionsPerClient`, `retainedQuota`), a writer that outruns durable storage (`receiveMaximum`), a flood
/// of connections (`maximumConnections`, `connectionsPerSecond`) and a socket that goes silent (keep-alive,
/// `connectTimeout`).
public struct MQTTServerSettings: Sendable, Hashable {
    /// The largest packet accepted, fixed header included; announced to MQTT 5 clients in CONNACK.
    public var maximumPacketSize = 1 << 20
    /// QoS 1/2 messages sent to one client and not yet acknowledged (capped further by its Receive Maximum).
    public var maximumInFlight = 100
    /// QoS 1/2 messages a session keeps while its client is away or slow; beyond it the oldest are dropped.
    public var maximumQueuedMessages = 1000
    /// Payload bytes of those messages; beyond it the oldest are dropped too (the count alone would let one
    /// session hold 1000 × the maximum packet size).
    public var maximumQueuedBytes = 16 << 20
    /// Sessions that outlive their connection, per principal (a device, a project key) and project; one more
    /// is refused with 0x97 Quota exceeded.
    public var maximumPersistentSessionsPerClient = 10
    /// Retained messages and bytes per project and per principal; past them a retained PUBLISH is refused.
    public var retainedQuota = MQTTRetainedQuota()
    /// PUBLISH packets of one client being made durable at once; announced to MQTT 5 clients as Receive
    /// Maximum. Past it the connection stops reading until the oldest is done.
    public var receiveMaximum: UInt16 = 100
    /// Topic aliases a client may set (MQTT 5).
    public var topicAliasMaximum: UInt16 = 32
    /// Open connections at once; one more is answered "server unavailable" (MQTT 5: 0x89 Server busy).
    public var maximumConnections = 100_000
    /// New connections per second (with a burst of as many); past it, "server unavailable" (MQTT 5: 0x9F).
    public var connectionsPerSecond = 1_000
    /// New connections per second from one IP address (with a burst of as many); past it a connection is closed
    /// at once. Well below `connectionsPerSecond`, so that one address cannot spend the rate everyone shares;
    /// high enough for a fleet reconnecting through one NAT to get through within seconds.
    public var connectionsPerSecondPerAddress = 50
    /// Connections whose client has not been admitted yet (CONNECT not received or not authenticated); past it a
    /// new connection is closed at once. With `maximumConnectPacketSize`, bounds the memory that clients without
    /// credentials can make the server hold (about 5,000 × 8 KiB = 40 MiB of partial packets).
    public var maximumUnauthenticatedConnections = 5_000
    /// Connections not yet admitted from one IP address; past it a new one from there is closed at once, so one
    /// address cannot take the whole `maximumUnauthenticatedConnections` from everyone else.
    public var maximumUnauthenticatedConnectionsPerAddress = 100
    /// The largest CONNECT accepted, the only packet read before the client is authenticated. Credentials, a will
    /// and properties fit in a few KB; a larger CONNECT is refused (0x95) before its body is buffered.
    public var maximumConnectPacketSize = 8 * 1024
    /// How long a new connection may take to send CONNECT; a connection that sends nothing is closed then.
    public var connectTimeout = Duration.seconds(5)

    public init() {}

    /// The broker's limits these settings say.
    public var brokerLimits: MQTTBroker.Limits {
        var limits = MQTTBroker.Limits(queueLimit: MQTTQueueLimit(messages: maximumQueuedMessages, bytes: maximumQueuedBytes))
        limits.maximumPersistentSessionsPerClient = maximumPersistentSessionsPerClient
        limits.retainedQuota = retainedQuota
        return limits
    }
}

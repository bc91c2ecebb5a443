/// What the broker keeps for one session (mount point + client identifier) between and during connections.
/// Its subscriptions live in the broker's index, keyed by the same `MQTTSessionKey`.
struct MQTTBrokerSession: Sendable {
    /// The QoS 1 and 2 messages owed to the client while it is offline. While a connection is up, that
    /// connection's state machine owns the state; it comes back here on disconnect. (Messages that arrive while
    /// the connection is ending wait here and are added to what it hands back.)
    var outbound = MQTTOutboundState()
    /// The connection currently attached, if any.
    var mailbox: (any MQTTMailbox)?
    /// The id of the latest connection to attach; a disconnect or a timer carrying another id is stale.
    var connectionID: Int
    /// A will waiting for its Will Delay Interval (MQTT 5); dropped if the client reconnects in time.
    var pendingWill: MQTTBrokerWill?
    /// The timer that publishes the delayed will and ends the session when it expires.
    var expiryTimer: Task<Void, Never>?
    /// A connection taking the session over, waiting for the current one to hand back its state.
    var handover: CheckedContinuation<Void, Never>?

    /// The session outlives its connection (expiry above 0); counted against its owner's
    /// `Limits.maximumPersistentSessionsPerClient`.
    var isPersistent = false

    /// A client connected with this session on another server (`MQTTBroker.release`): when this connection ends,
    /// the session leaves memory.
    var releasedToCluster = false

    var isConnected: Bool { mailbox != nil }

}

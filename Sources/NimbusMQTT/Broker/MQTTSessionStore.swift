/// Where persistent sessions outlive the process (`NimbusStore` implements it over SQL).
///
/// The broker keeps sessions in memory; this store gets a copy of what a restart must bring back: each session
/// whose expiry is not 0, its subscriptions, and the QoS 1/2 messages it is owed. Subscriptions are written before
/// SUBACK, messages queued for an offline session before the publisher's acknowledgement, and what a session is
/// still owed when its connection ends. A connected session's live traffic is not written: at worst a restart
/// sends a message again (QoS 1 is "at least once").
public protocol MQTTSessionStore: Sendable {
    /// Every stored session, to restore at start-up.
    func storedSessions() async throws -> [MQTTStoredSession]
    /// One stored session: a client resuming on this server a session it had on another sharing the store.
    func storedSession(_ key: MQTTSessionKey) async throws -> MQTTStoredSession?

    /// Creates or replaces the session's record and its subscriptions (filters with mount point).
    func saveSession(_ key: MQTTSessionKey, expiry: UInt32, subscriptions: [MQTTStoredSubscription]) async throws

    /// Appends messages owed to offline sessions, then drops each session's oldest past `limit`, as the broker
    /// does in memory, so that a session nobody collects cannot grow the store.
    func enqueue(_ deliveries: [(MQTTSessionKey, MQTTDelivery)], keeping limit: MQTTQueueLimit) async throws

    /// Replaces what the session is owed (when its connection ends).
    func replaceQueue(of key: MQTTSessionKey, with deliveries: [MQTTDelivery]) async throws

    /// Forgets the session, its subscriptions and its messages.
    func deleteSession(_ key: MQTTSessionKey) async throws
}

/// One subscription of a stored session.
public struct MQTTStoredSubscription: Sendable, Hashable {
    /// The filter as indexed: mount point included (after `$share/{group}/` for shared ones).
    public var filter: String
    /// The MQTT 5 subscription options byte.
    public var options: UInt8
    public var identifier: UInt32?

    public init(filter: String, options: UInt8, identifier: UInt32?) {
        self.filter = filter
        self.options = options
        self.identifier = identifier
    }
}

/// A session as stored.
public struct MQTTStoredSession: Sendable {
    public var key: MQTTSessionKey
    public var expiry: UInt32
    public var subscriptions: [MQTTStoredSubscription]
    /// Owed messages, oldest first.
    public var queued: [MQTTDelivery]

    public init(key: MQTTSessionKey, expiry: UInt32, subscriptions: [MQTTStoredSubscription], queued: [MQTTDelivery]) {
        self.key = key
        self.expiry = expiry
        self.subscriptions = subscriptions
        self.queued = queued
    }
}

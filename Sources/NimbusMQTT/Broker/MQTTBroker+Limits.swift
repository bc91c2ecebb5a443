extension MQTTBroker {
    /// Bounds on what sessions and retained messages may hold, so that a slow, absent or greedy client costs
    /// bounded memory and storage.
    public struct Limits: Sendable {
        /// What one session keeps queued (offline, or behind); beyond it the oldest are dropped.
        public var queueLimit: MQTTQueueLimit
        /// Events buffered for a connected session whose connection has not read them yet; beyond it the
        /// oldest is dropped (and counted in `MQTTBroker.droppedEvents`) rather than blocking every publisher.
        public var mailboxSize: Int
        /// Sessions that outlive their connection one principal (`MQTTClient.owner`) may have in its project. Each
        /// keeps subscriptions and a queue, in memory and in the store; past it a CONNECT asking for one more is
        /// refused with 0x97 Quota exceeded (3.1.1: 0x03 Server unavailable).
        public var maximumPersistentSessionsPerClient = 10
        /// What retained messages a project and a principal may keep.
        public var retainedQuota = MQTTRetainedQuota()
        /// The length of one second of Session Expiry Interval and Will Delay Interval. Real time in
        /// production; tests shrink it so expiry can be observed without waiting whole seconds.
        var expiryUnit: Duration
        /// How long a connection taking a session over waits for the old connection to hand its state back.
        var handoverTimeout = Duration.seconds(2)

        public init(queueLimit: MQTTQueueLimit = .init(), mailboxSize: Int = 1000) {
            self.init(queueLimit: queueLimit, mailboxSize: mailboxSize, expiryUnit: .seconds(1))
        }

        init(queueLimit: MQTTQueueLimit, mailboxSize: Int, expiryUnit: Duration) {
            self.queueLimit = queueLimit
            self.mailboxSize = mailboxSize
            self.expiryUnit = expiryUnit
        }
    }
}

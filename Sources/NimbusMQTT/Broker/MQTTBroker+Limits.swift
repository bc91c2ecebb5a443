extension MQTTBroker {
    /// Bounds on what one session may hold, so a slow or absent client costs bounded memory.
    public struct Limits: Sendable {
        /// QoS 1 and 2 messages kept for a disconnected persistent session; beyond it the oldest is dropped.
        public var maximumQueuedMessages: Int
        /// Events buffered for a connected session whose connection has not read them yet; beyond it the
        /// oldest is dropped (and counted in `MQTTBroker.droppedEvents`) rather than blocking every publisher.
        public var mailboxSize: Int
        /// The length of one second of Session Expiry Interval and Will Delay Interval. Real time in
        /// production; tests shrink it so expiry can be observed without waiting whole seconds.
        var expiryUnit: Duration
        /// How long a connection taking a session over waits for the old connection to hand its state back.
        var handoverTimeout = Duration.seconds(2)

        public init(maximumQueuedMessages: Int = 1000, mailboxSize: Int = 1000) {
            self.init(maximumQueuedMessages: maximumQueuedMessages, mailboxSize: mailboxSize, expiryUnit: .seconds(1))
        }

        init(maximumQueuedMessages: Int, mailboxSize: Int, expiryUnit: Duration) {
            self.maximumQueuedMessages = maximumQueuedMessages
            self.mailboxSize = mailboxSize
            self.expiryUnit = expiryUnit
        }
    }
}

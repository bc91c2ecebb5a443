/// A client's will as the broker holds it until it goes out: at the end of the connection, when its Will Delay
/// Interval has passed, or when its session ends.
struct MQTTBrokerWill: Sendable {
    /// The will, topic without mount point.
    var message: MQTTMessage
    /// For a will on a topic the dialect handles: its `MQTTHooks.received`, run when the will goes out, so a will
    /// is validated and stored exactly like a PUBLISH. It says whether subscribers get the message too; `nil` routes
    /// the will as plain MQTT.
    var handle: (@Sendable (MQTTMessage) async -> Bool)?

    init(message: MQTTMessage, handle: (@Sendable (MQTTMessage) async -> Bool)? = nil) {
        self.message = message
        self.handle = handle
    }
}

extension MQTTBroker {
    /// Publishes a will in the session's tree, after the dialect's handling when it has one.
    func release(_ will: MQTTBrokerWill, of key: MQTTSessionKey) {
        guard let handle = will.handle else {
            publish(will.message, in: key.mountPoint, from: key)
            return
        }
        Task {
            guard await handle(will.message) else { return }
            self.publish(will.message, in: key.mountPoint, from: key)
        }
    }
}

import NimbusStore

/// The MQTT broker's stores (`MQTTSessionStore`, `MQTTRetainedStore`) over the server's SQL store: the same
/// database and connections, in a module of its own so that `NimbusStore` knows nothing of MQTT. The tables
/// are created by the store's migrations (2, 3 and 6).
public struct SQLMQTTStore: Sendable {
    let store: SQLStore

    public init(store: SQLStore) {
        self.store = store
    }
}

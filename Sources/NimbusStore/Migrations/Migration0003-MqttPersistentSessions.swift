extension Migration {
    /// Migration 3: mqtt persistent sessions.
    static let mqttPersistentSessions = Migration(version: 3, name: "mqtt persistent sessions", statements: [
        """
        CREATE TABLE mqtt_sessions (
            mount_point TEXT NOT NULL, client_id TEXT NOT NULL, expiry BIGINT NOT NULL,
            PRIMARY KEY (mount_point, client_id))
        """,
        """
        CREATE TABLE mqtt_subscriptions (
            mount_point TEXT NOT NULL, client_id TEXT NOT NULL, filter TEXT NOT NULL, options INTEGER NOT NULL,
            identifier BIGINT, PRIMARY KEY (mount_point, client_id, filter))
        """,
        // Messages owed to a session, oldest first by id; the message is an MQTT 5 PUBLISH packet with the
        // full topic, the other columns say how this session gets it.
        """
        CREATE TABLE mqtt_queue (
            id {pk}, mount_point TEXT NOT NULL, client_id TEXT NOT NULL, qos INTEGER NOT NULL, topic TEXT NOT NULL,
            retain BOOLEAN NOT NULL, subscription_identifiers TEXT NOT NULL, message {blob} NOT NULL)
        """,
        "CREATE INDEX mqtt_queue_session ON mqtt_queue (mount_point, client_id, id)",
    ])
}

extension Migration {
    /// Migration 6: mqtt sessions belong to their principal.
    static let mqttSessionOwners = Migration(version: 6, name: "mqtt sessions belong to their principal", statements: [
        // A session is keyed by mount point, owner (the principal that created it) and client id, so another
        // principal cannot resume it with the same client id. Sessions stored before had no owner and cannot be
        // given one safely: they are discarded, and their clients see session present = 0 and subscribe again.
        "DROP TABLE mqtt_queue",
        "DROP TABLE mqtt_subscriptions",
        "DROP TABLE mqtt_sessions",
        """
        CREATE TABLE mqtt_sessions (
            mount_point TEXT NOT NULL, owner TEXT NOT NULL, client_id TEXT NOT NULL, expiry BIGINT NOT NULL,
            PRIMARY KEY (mount_point, owner, client_id))
        """,
        """
        CREATE TABLE mqtt_subscriptions (
            mount_point TEXT NOT NULL, owner TEXT NOT NULL, client_id TEXT NOT NULL, filter TEXT NOT NULL,
            options INTEGER NOT NULL, identifier BIGINT, PRIMARY KEY (mount_point, owner, client_id, filter))
        """,
        """
        CREATE TABLE mqtt_queue (
            id {pk}, mount_point TEXT NOT NULL, owner TEXT NOT NULL, client_id TEXT NOT NULL, qos INTEGER NOT NULL,
            topic TEXT NOT NULL, retain BOOLEAN NOT NULL, subscription_identifiers TEXT NOT NULL, message {blob} NOT NULL)
        """,
        "CREATE INDEX mqtt_queue_session ON mqtt_queue (mount_point, owner, client_id, id)",
        // Whose each retained message is, for the quotas. Rows stored before count toward no project.
        "ALTER TABLE mqtt_retained ADD COLUMN mount_point TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE mqtt_retained ADD COLUMN owner TEXT NOT NULL DEFAULT ''",
    ])
}

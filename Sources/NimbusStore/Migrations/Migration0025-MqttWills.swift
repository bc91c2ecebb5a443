extension Migration {
    /// Migration 25: the wills of the MQTT connections open on each server sharing the database, so that the others
    /// publish those of a server that died (`SQLMQTTStore.takeWillsOfGoneServers`). Written only beside other servers.
    static let mqttWills = Migration(version: 25, name: "MQTT wills held for the other servers", statements: [
        """
        CREATE TABLE mqtt_wills (
            mount_point TEXT NOT NULL, owner TEXT NOT NULL, client_id TEXT NOT NULL,
            node_id TEXT NOT NULL, connection_id BIGINT NOT NULL, message {blob} NOT NULL,
            PRIMARY KEY (mount_point, owner, client_id)
        )
        """,
        "CREATE INDEX mqtt_wills_by_node ON mqtt_wills (node_id)",
    ])
}

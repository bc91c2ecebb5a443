extension Migration {
    /// Migration 23: the servers sharing the database and the device connections each holds (`NodeRepository`). A
    /// device's `is_connected` is whether any live server holds a connection of it: with a device's connections on two
    /// servers, one closing leaves it connected, and the connections of a server that died (no heartbeat for three
    /// intervals) are forgotten by the others. On SQLite there is one server, and at its start every other is gone.
    static let nodes = Migration(version: 23, name: "nodes and their device connections", statements: [
        "CREATE TABLE nodes (id TEXT PRIMARY KEY, seen_at {time} NOT NULL)",
        """
        CREATE TABLE device_connections (
            device_id BIGINT NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
            node_id TEXT NOT NULL,
            PRIMARY KEY (device_id, node_id)
        )
        """,
        "CREATE INDEX device_connections_by_node ON device_connections (node_id)",
    ])
}

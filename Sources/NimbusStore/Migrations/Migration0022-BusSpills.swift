extension Migration {
    /// Migration 22, PostgreSQL only: the bus between nodes (`PostgresBus`) carries its messages in notifications of at
    /// most 8,000 bytes; a message larger than that (an event with a large body) is kept here for a minute and its
    /// notification carries the row's id. SQLite runs one node, whose bus is in its process.
    static let busSpills = Migration(version: 22, name: "bus spills", statements: [], postgresOnly: [
        """
        CREATE TABLE bus_spills (
            id BIGSERIAL PRIMARY KEY,
            payload TEXT NOT NULL,
            created_at TIMESTAMPTZ NOT NULL DEFAULT now()
        )
        """,
    ])
}

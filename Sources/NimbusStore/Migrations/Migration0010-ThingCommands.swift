extension Migration {
    /// Migration 10: commands sent to Cayenne things and their outcome.
    static let thingCommands = Migration(version: 10, name: "thing commands", statements: [
        """
        CREATE TABLE thing_commands (
            id {pk}, thing_id BIGINT NOT NULL REFERENCES devices(id) ON DELETE CASCADE, channel TEXT NOT NULL,
            value TEXT NOT NULL, seq TEXT NOT NULL, status TEXT NOT NULL, message TEXT, creation_time {time} NOT NULL,
            delivery_time {time}, answer_time {time}, expiration_time {time} NOT NULL)
        """,
        "CREATE INDEX thing_commands_by_thing ON thing_commands (thing_id, id)",
        "CREATE INDEX thing_commands_by_seq ON thing_commands (thing_id, seq)",
    ])
}

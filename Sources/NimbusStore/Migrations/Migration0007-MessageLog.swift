extension Migration {
    /// Migration 7: message log.
    static let messageLog = Migration(version: 7, name: "message log", statements: [
        // One row per SMS or email sent to an address a caller chose (hashed), for the per-target limit.
        "CREATE TABLE message_log (id {pk}, target TEXT NOT NULL, creation_time {time} NOT NULL)",
        "CREATE INDEX message_log_by_target ON message_log (target, creation_time)",
        "CREATE INDEX message_log_by_time ON message_log (creation_time)",
    ])
}

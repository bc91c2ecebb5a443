extension Migration {
    /// Migration 17: a job's `http_push` requests, as JSON beside its actions and notifications.
    static let jobHTTPPush = Migration(version: 17, name: "job http push", statements: [
        "ALTER TABLE jobs ADD COLUMN http_push TEXT NOT NULL DEFAULT '[]'",
    ])
}

extension Migration {
    /// Migration 24: sign-in attempts counted in the database (`AttemptCountRepository`), so that the sign-in throttle
    /// holds across the servers sharing it: a guesser spread over three servers is refused after the same number of
    /// failures as on one. A server alone on its database (SQLite) counts in memory and leaves the table empty.
    static let attemptCounts = Migration(version: 24, name: "sign-in attempt counts", statements: [
        "CREATE TABLE attempt_counts (key TEXT PRIMARY KEY, count INTEGER NOT NULL, last_at {time} NOT NULL)",
        "CREATE INDEX attempt_counts_by_time ON attempt_counts (last_at)",
    ])
}

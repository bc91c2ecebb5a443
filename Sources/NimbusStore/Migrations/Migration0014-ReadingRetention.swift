extension Migration {
    /// Migration 14: how long each project keeps its raw readings and its per-minute rollups (no row: for ever; the
    /// hour and day rollups are always kept), and the latest values by project, the list of channels a retention
    /// pass walks.
    static let readingRetention = Migration(version: 14, name: "reading retention", statements: [
        """
        CREATE TABLE reading_retention (
            project_id BIGINT PRIMARY KEY REFERENCES projects(id) ON DELETE CASCADE, reading_days INTEGER, minute_rollup_days INTEGER)
        """,
        "CREATE INDEX latest_readings_by_project ON latest_readings (project_id)",
    ])
}

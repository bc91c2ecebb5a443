extension Migration {
    /// Migration 21, PostgreSQL only: a channel's readings read from the index alone. The reads of a channel's range
    /// (a raw day, an export's pages) walked `readings_by_sensor_time` and fetched every reading from the table, where
    /// a channel's readings lie spread among everyone else's: ~3.5 µs a row inside PostgreSQL, its own `COPY` of an
    /// export 280k rows/s. With the columns those reads select in the index (`INCLUDE`) they are index-only scans:
    /// 1.2M rows/s, a raw day 3.6 → 1.7 ms (Benchmarks/README). The index is about the table's size again; the one it
    /// replaces was two thirds of it. An index-only scan reads the table only for pages not yet marked all-visible by
    /// a vacuum, so the table is vacuumed after every 2 % of new rows instead of PostgreSQL's 20 % (a vacuum of an
    /// insert-only table visits only the pages added since the last one). On SQLite a row is found by its rowid at
    /// little cost and the index stays as it is.
    ///
    /// Building the index holds writes to `readings` for its length once, at the upgrade (~15 s for ten million
    /// readings on a 2-core machine).
    static let readingsByChannelCovering = Migration(version: 21, name: "readings by channel, covering", statements: [], postgresOnly: [
        """
        CREATE INDEX readings_by_channel ON readings (sensor_id, channel, timestamp, id)
            INCLUDE (project_id, home_id, device_id, value, value_json, type, unit)
        """,
        "DROP INDEX readings_by_sensor_time",
        "ALTER TABLE readings SET (autovacuum_vacuum_insert_scale_factor = 0.02)",
    ])
}

extension Migration {
    /// Migration 13: per-minute, per-hour and per-day rollups of each sensor channel's numeric readings (count, min, max, sum),
    /// kept in the readings' own transaction so that a range answers from a bounded number of rows, and an index
    /// for raw readings by sensor and time. The readings stored before are rolled up here.
    static let readingRollups = Migration(version: 13, name: "reading rollups", statements: [
        """
        CREATE TABLE reading_rollups (
            sensor_id BIGINT NOT NULL REFERENCES devices(id) ON DELETE CASCADE, channel TEXT NOT NULL, size TEXT NOT NULL,
            bucket_start {time} NOT NULL, value_count BIGINT NOT NULL, value_min DOUBLE PRECISION NOT NULL,
            value_max DOUBLE PRECISION NOT NULL, value_sum DOUBLE PRECISION NOT NULL, PRIMARY KEY (sensor_id, channel, size, bucket_start))
        """,
        "CREATE INDEX readings_by_sensor_time ON readings (sensor_id, channel, timestamp)",
    ] + ["minute", "hour", "day"].map { size in
        """
        INSERT INTO reading_rollups (sensor_id, channel, size, bucket_start, value_count, value_min, value_max, value_sum)
        SELECT sensor_id, channel, '\(size)', {bucket_\(size)}, COUNT(*), MIN(value), MAX(value), SUM(value)
        FROM readings WHERE value IS NOT NULL GROUP BY sensor_id, channel, {bucket_\(size)}
        """
    })
}

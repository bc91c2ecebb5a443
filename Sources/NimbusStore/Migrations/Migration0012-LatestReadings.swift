extension Migration {
    /// Migration 12: the latest reading of each channel of each sensor (the status screen), kept in the readings' own
    /// transaction. The reading of the newest `timestamp` wins, whatever order readings arrive in. A Cayenne channel
    /// has a sensor of its own; a device that reports several channels itself (MODE's numeric event fields, next)
    /// has one row per channel.
    static let latestReadings = Migration(version: 12, name: "latest readings", statements: [
        """
        CREATE TABLE latest_readings (
            sensor_id BIGINT NOT NULL REFERENCES devices(id) ON DELETE CASCADE, channel TEXT NOT NULL, reading_id BIGINT NOT NULL,
            project_id BIGINT NOT NULL, home_id BIGINT, device_id BIGINT NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
            value DOUBLE PRECISION, value_json TEXT NOT NULL, type TEXT, unit TEXT, timestamp {time} NOT NULL,
            PRIMARY KEY (sensor_id, channel))
        """,
        "CREATE INDEX latest_readings_by_device ON latest_readings (device_id)",
        // The readings that were stored before: the newest of each sensor's channel (by time, then by id).
        """
        INSERT INTO latest_readings (sensor_id, reading_id, project_id, home_id, device_id, channel, value, value_json, type, unit, timestamp)
        SELECT r.sensor_id, r.id, r.project_id, r.home_id, r.device_id, r.channel, r.value, r.value_json, r.type, r.unit, r.timestamp
        FROM readings r
        WHERE r.id = (
            SELECT r2.id FROM readings r2 WHERE r2.sensor_id = r.sensor_id AND r2.channel = r.channel ORDER BY r2.timestamp DESC, r2.id DESC LIMIT 1)
        """,
    ])
}

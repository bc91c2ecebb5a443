extension Migration {
    /// Migration 8: Cayenne things (the thing fields of devices, thing types and their channels), each account's
    /// MQTT credentials, and readings.
    static let cayenneThings = Migration(version: 8, name: "cayenne things", statements: [
        "ALTER TABLE devices ADD COLUMN parent_id BIGINT REFERENCES devices(id) ON DELETE CASCADE",
        "ALTER TABLE devices ADD COLUMN channel TEXT",
        "ALTER TABLE devices ADD COLUMN hardware_id TEXT",
        "ALTER TABLE devices ADD COLUMN status TEXT NOT NULL DEFAULT 'ACTIVATED'",
        "ALTER TABLE devices ADD COLUMN properties TEXT NOT NULL DEFAULT '{}'",
        "ALTER TABLE devices ADD COLUMN last_online {time}",
        "ALTER TABLE devices ADD COLUMN update_time {time}",
        "ALTER TABLE devices ADD COLUMN deactivation_time {time}",
        "CREATE INDEX devices_by_parent ON devices (parent_id, channel)",
        "CREATE INDEX devices_by_hardware_id ON devices (home_id, hardware_id)",
        """
        CREATE TABLE thing_types (
            id TEXT PRIMARY KEY, project_id BIGINT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
            home_id BIGINT REFERENCES homes(id) ON DELETE CASCADE, name TEXT NOT NULL, description TEXT NOT NULL,
            category TEXT NOT NULL, subcategory TEXT, transport_protocol TEXT NOT NULL, protocol_version TEXT, model TEXT,
            version TEXT, manufacturer TEXT, codec TEXT, data_type TEXT, parent_constraint TEXT NOT NULL,
            child_constraint TEXT NOT NULL, properties TEXT NOT NULL, creation_time {time} NOT NULL, update_time {time} NOT NULL)
        """,
        "CREATE INDEX thing_types_by_project ON thing_types (project_id, home_id)",
        """
        CREATE TABLE thing_type_channels (
            id {pk}, type_id TEXT NOT NULL REFERENCES thing_types(id) ON DELETE CASCADE, channel TEXT NOT NULL,
            name TEXT NOT NULL, data_type TEXT, ipso TEXT, UNIQUE (type_id, channel))
        """,
        """
        CREATE TABLE mqtt_clients (
            id TEXT PRIMARY KEY, project_id BIGINT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
            home_id BIGINT NOT NULL UNIQUE REFERENCES homes(id) ON DELETE CASCADE, secret_hash TEXT NOT NULL,
            sealed_secret TEXT NOT NULL, creation_time {time} NOT NULL, rotation_time {time})
        """,
        """
        CREATE TABLE readings (
            id {pk}, project_id BIGINT NOT NULL, home_id BIGINT,
            device_id BIGINT NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
            sensor_id BIGINT NOT NULL REFERENCES devices(id) ON DELETE CASCADE, channel TEXT NOT NULL,
            value DOUBLE PRECISION, value_json TEXT NOT NULL, type TEXT, unit TEXT, timestamp {time} NOT NULL)
        """,
        "CREATE INDEX readings_by_device ON readings (device_id, id)",
        "CREATE INDEX readings_by_sensor ON readings (sensor_id, id)",
    ])
}

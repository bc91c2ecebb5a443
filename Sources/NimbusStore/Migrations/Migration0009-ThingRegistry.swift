extension Migration {
    /// Migration 9: the thing registry (provisioned hardware ids waiting to be paired into an account).
    static let thingRegistry = Migration(version: 9, name: "thing registry", statements: [
        """
        CREATE TABLE thing_registry (
            id TEXT PRIMARY KEY, project_id BIGINT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
            hardware_id TEXT NOT NULL, device_type_id TEXT NOT NULL, codec TEXT, application_id TEXT, status TEXT NOT NULL,
            thing_id BIGINT REFERENCES devices(id) ON DELETE SET NULL, creation_time {time} NOT NULL, pair_time {time},
            UNIQUE (project_id, hardware_id))
        """,
    ])
}

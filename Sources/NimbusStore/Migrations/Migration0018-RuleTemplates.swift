extension Migration {
    /// Migration 18: the rule templates an administrator defines per thing type and app, which the sample app reads
    /// (`applicationRule/{deviceTypeId}/{appId}`) to offer its users ready-made alerts; a JSON array as written.
    static let ruleTemplates = Migration(version: 18, name: "rule templates", statements: [
        """
        CREATE TABLE rule_templates (
            project_id BIGINT NOT NULL REFERENCES projects(id) ON DELETE CASCADE, thing_type_id TEXT NOT NULL, app_id TEXT NOT NULL,
            templates TEXT NOT NULL, update_time {time} NOT NULL, PRIMARY KEY (project_id, thing_type_id, app_id))
        """,
    ])
}

extension Migration {
    /// Migration 15: rules of Cayenne accounts (the definition as JSON, the evaluation state beside it), the things each
    /// rule watches (what a batch of readings looks its rules up by), and each rule's firings.
    static let rules = Migration(version: 15, name: "rules", statements: [
        """
        CREATE TABLE rules (
            id TEXT PRIMARY KEY, project_id BIGINT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
            home_id BIGINT NOT NULL REFERENCES homes(id) ON DELETE CASCADE, title TEXT NOT NULL, enabled BOOLEAN NOT NULL,
            definition TEXT NOT NULL, is_active BOOLEAN NOT NULL, trigger_states TEXT NOT NULL, run_count BIGINT NOT NULL,
            last_fired {time}, last_notified {time}, creation_time {time} NOT NULL, update_time {time} NOT NULL)
        """,
        "CREATE INDEX rules_by_home ON rules (home_id, creation_time)",
        """
        CREATE TABLE rule_triggers (
            rule_id TEXT NOT NULL REFERENCES rules(id) ON DELETE CASCADE, thing_id BIGINT NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
            PRIMARY KEY (thing_id, rule_id))
        """,
        "CREATE INDEX rule_triggers_by_rule ON rule_triggers (rule_id)",
        """
        CREATE TABLE rule_logs (
            id {pk}, rule_id TEXT NOT NULL REFERENCES rules(id) ON DELETE CASCADE, home_id BIGINT NOT NULL, time {time} NOT NULL,
            reading_id BIGINT NOT NULL, thing_id BIGINT NOT NULL, channel TEXT NOT NULL, value_json TEXT NOT NULL, outcomes TEXT NOT NULL)
        """,
        "CREATE INDEX rule_logs_by_rule ON rule_logs (rule_id, id)",
        "CREATE INDEX rule_logs_by_home ON rule_logs (home_id, id)",
    ])
}

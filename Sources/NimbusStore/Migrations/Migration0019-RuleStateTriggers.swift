extension Migration {
    /// Migration 19: whether a rule has a connection-state trigger (`online`, `offline`), so that the offline check
    /// finds those rules without reading every rule.
    static let ruleStateTriggers = Migration(version: 19, name: "rule state triggers", statements: [
        "ALTER TABLE rules ADD COLUMN watches_state BOOLEAN NOT NULL DEFAULT FALSE",
        "CREATE INDEX rules_watching_state ON rules (watches_state, enabled)",
    ])
}

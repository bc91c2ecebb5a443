extension Migration {
    /// Migration 20: a version of each account's rules, changed by every change of them (`SQLRuleRepository`), so that
    /// ingest can keep an account's rules in memory and know with one read whether they are still what the store has.
    /// The row is also the account's rule lock on PostgreSQL (`FOR UPDATE`).
    static let ruleSetVersions = Migration(version: 20, name: "rule set versions", statements: [
        "CREATE TABLE rule_sets (home_id BIGINT PRIMARY KEY REFERENCES homes(id) ON DELETE CASCADE, version BIGINT NOT NULL)",
        "INSERT INTO rule_sets (home_id, version) SELECT DISTINCT home_id, 0 FROM rules",
    ])
}

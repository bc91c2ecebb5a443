extension Migration {
    /// Migration 26: named leases (`LeaseRepository`) on periodic work one server at a time does among those sharing
    /// the database: the reading retention's pass.
    static let leases = Migration(version: 26, name: "leases on periodic work", statements: [
        "CREATE TABLE leases (name TEXT PRIMARY KEY, holder TEXT NOT NULL, expires_at {time} NOT NULL)",
    ])
}

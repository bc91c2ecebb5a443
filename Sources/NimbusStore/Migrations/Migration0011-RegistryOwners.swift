extension Migration {
    /// Migration 11: the account (home) that provisioned each registry entry, which alone may read and delete it
    /// and whose registry limit it counts against. Entries from before have none and stay visible project-wide.
    /// And commands found by expiration, for the live stream's `timed_out`.
    static let registryOwners = Migration(version: 11, name: "registry owners, command expirations", statements: [
        "ALTER TABLE thing_registry ADD COLUMN home_id BIGINT REFERENCES homes(id) ON DELETE CASCADE",
        "CREATE INDEX thing_registry_by_home ON thing_registry (home_id)",
        "CREATE INDEX thing_commands_by_expiration ON thing_commands (expiration_time)",
    ])
}

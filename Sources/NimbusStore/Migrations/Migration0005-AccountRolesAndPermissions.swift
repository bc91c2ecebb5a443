extension Migration {
    /// Migration 5: account roles and permissions.
    static let accountRolesAndPermissions = Migration(version: 5, name: "account roles and permissions", statements: [
        // A custom role's id is its row id + 100 (SQLHomeRepository); 1-3 are the built-in owner, admin and user.
        """
        CREATE TABLE account_roles (
            id {pk}, home_id BIGINT NOT NULL REFERENCES homes(id) ON DELETE CASCADE, name TEXT NOT NULL,
            permissions TEXT NOT NULL, creation_time {time} NOT NULL, UNIQUE (home_id, name))
        """,
        "ALTER TABLE home_members ADD COLUMN account_role_id BIGINT",
        "ALTER TABLE home_members ADD COLUMN permissions TEXT NOT NULL DEFAULT '{}'",
    ])
}

extension Migration {
    /// Migration 4: oauth identity service.
    static let oauthIdentityService = Migration(version: 4, name: "oauth identity service", statements: [
        "ALTER TABLE apps ADD COLUMN description TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE apps ADD COLUMN status TEXT NOT NULL DEFAULT 'active'",
        "ALTER TABLE apps ADD COLUMN client_secret_hash TEXT",
        "ALTER TABLE apps ADD COLUMN allows_sign_up BOOLEAN NOT NULL DEFAULT FALSE",
        "ALTER TABLE apps ADD COLUMN update_time {time}",
        "CREATE INDEX apps_by_project ON apps (project_id, status)",
        """
        CREATE TABLE app_redirects (
            id TEXT PRIMARY KEY, app_id TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE, uri TEXT NOT NULL,
            creation_time {time} NOT NULL, UNIQUE (app_id, uri))
        """,
        "ALTER TABLE users ADD COLUMN first_name TEXT",
        "ALTER TABLE users ADD COLUMN last_name TEXT",
        "ALTER TABLE users ADD COLUMN last_sign_in_time {time}",
        "CREATE INDEX users_by_email ON users (email)",
        """
        CREATE TABLE signing_keys (
            id TEXT PRIMARY KEY, algorithm TEXT NOT NULL, private_key TEXT NOT NULL, creation_time {time} NOT NULL)
        """,
        """
        CREATE TABLE oauth_codes (
            code_hash TEXT PRIMARY KEY, app_id TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
            user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE, redirect_uri TEXT NOT NULL, scope TEXT NOT NULL,
            code_challenge TEXT, expiration_time {time} NOT NULL, used BOOLEAN NOT NULL)
        """,
        // Every refresh token of one sign-in hangs off its session, so ending the session ends the family.
        """
        CREATE TABLE oauth_refresh_tokens (
            id {pk}, session_id BIGINT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE, app_id TEXT NOT NULL,
            scope TEXT NOT NULL, token_hash TEXT NOT NULL UNIQUE, expiration_time {time} NOT NULL, used BOOLEAN NOT NULL)
        """,
        "CREATE INDEX oauth_refresh_tokens_by_session ON oauth_refresh_tokens (session_id)",
        // Access tokens of clients (no session) that were revoked before they expired.
        "CREATE TABLE oauth_revoked_tokens (jti TEXT PRIMARY KEY, expiration_time {time} NOT NULL)",
    ])
}

extension Migration {
    /// Migration 1: initial schema.
    static let initialSchema = Migration(version: 1, name: "initial schema", statements: [
        """
        CREATE TABLE projects (
            id {pk}, name TEXT NOT NULL, account_mode TEXT NOT NULL, provisioning TEXT NOT NULL,
            creation_time {time} NOT NULL)
        """,
        """
        CREATE TABLE apps (
            id TEXT PRIMARY KEY, project_id BIGINT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
            name TEXT NOT NULL, creation_time {time} NOT NULL)
        """,
        """
        CREATE TABLE project_keys (
            id {pk}, project_id BIGINT NOT NULL REFERENCES projects(id) ON DELETE CASCADE, name TEXT NOT NULL,
            permissions TEXT NOT NULL, key_hash TEXT NOT NULL UNIQUE, creation_time {time} NOT NULL)
        """,
        """
        CREATE TABLE device_classes (
            project_id BIGINT NOT NULL REFERENCES projects(id) ON DELETE CASCADE, id TEXT NOT NULL,
            name TEXT NOT NULL, creation_time {time} NOT NULL, PRIMARY KEY (project_id, id))
        """,
        """
        CREATE TABLE users (
            id {pk}, project_id BIGINT NOT NULL REFERENCES projects(id) ON DELETE CASCADE, name TEXT NOT NULL,
            email TEXT, phone_number TEXT, external_key TEXT, password_hash TEXT, verified BOOLEAN NOT NULL,
            creation_time {time} NOT NULL, password_update_time {time},
            UNIQUE (project_id, email), UNIQUE (project_id, phone_number))
        """,
        """
        CREATE TABLE user_tokens (
            id {pk}, user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE, purpose TEXT NOT NULL,
            secret_hash TEXT NOT NULL, expiration_time {time} NOT NULL, failed_attempts BIGINT NOT NULL,
            used BOOLEAN NOT NULL)
        """,
        "CREATE INDEX user_tokens_by_secret ON user_tokens (purpose, secret_hash)",
        "CREATE INDEX user_tokens_by_user ON user_tokens (user_id, purpose)",
        """
        CREATE TABLE sessions (
            id {pk}, user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE, project_id BIGINT NOT NULL,
            app_id TEXT, token_hash TEXT NOT NULL UNIQUE, creation_time {time} NOT NULL)
        """,
        "CREATE INDEX sessions_by_user ON sessions (user_id)",
        """
        CREATE TABLE homes (
            id {pk}, project_id BIGINT NOT NULL REFERENCES projects(id) ON DELETE CASCADE, name TEXT NOT NULL,
            deactivated BOOLEAN NOT NULL, creation_time {time} NOT NULL)
        """,
        "CREATE INDEX homes_by_project ON homes (project_id, id)",
        """
        CREATE TABLE home_members (
            home_id BIGINT NOT NULL REFERENCES homes(id) ON DELETE CASCADE,
            user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            role TEXT NOT NULL, creation_time {time} NOT NULL, PRIMARY KEY (home_id, user_id))
        """,
        "CREATE INDEX home_members_by_user ON home_members (user_id, home_id)",
        """
        CREATE TABLE key_values (
            scope TEXT NOT NULL, owner_id BIGINT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
            modification_time {time} NOT NULL, revision BIGINT NOT NULL, PRIMARY KEY (scope, owner_id, key))
        """,
        "CREATE TABLE counters (name TEXT PRIMARY KEY, value BIGINT NOT NULL)",
        "INSERT INTO counters (name, value) VALUES ('kv_revision', 0)",
        """
        CREATE TABLE devices (
            id {pk}, uuid {uuid} NOT NULL UNIQUE, project_id BIGINT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
            device_class TEXT NOT NULL, name TEXT NOT NULL, tag TEXT NOT NULL,
            home_id BIGINT REFERENCES homes(id) ON DELETE SET NULL, api_key_hash TEXT NOT NULL UNIQUE,
            claim_code_hash TEXT, claim_time {time}, claim_expiration_time {time}, is_connected BOOLEAN NOT NULL,
            last_connect_time {time}, last_disconnect_time {time}, creation_time {time} NOT NULL)
        """,
        "CREATE INDEX devices_by_claim_code ON devices (project_id, claim_code_hash)",
        "CREATE INDEX devices_by_home ON devices (home_id, id)",
        """
        CREATE TABLE provisioning_tokens (
            id {pk}, project_id BIGINT NOT NULL, home_id BIGINT NOT NULL REFERENCES homes(id) ON DELETE CASCADE,
            device_class TEXT NOT NULL, device_tag TEXT NOT NULL, token_hash TEXT NOT NULL UNIQUE,
            expiration_time {time} NOT NULL, used BOOLEAN NOT NULL)
        """,
        """
        CREATE TABLE events (
            id {pk}, project_id BIGINT NOT NULL, home_id BIGINT, event_type TEXT NOT NULL, event_data TEXT NOT NULL,
            origin_kind TEXT NOT NULL, origin_id BIGINT NOT NULL, origin_name TEXT NOT NULL, timestamp {time} NOT NULL)
        """,
        "CREATE INDEX events_by_home ON events (home_id, id)",
        """
        CREATE TABLE smart_modules (
            project_id BIGINT NOT NULL REFERENCES projects(id) ON DELETE CASCADE, id TEXT NOT NULL,
            module_type TEXT NOT NULL, description TEXT NOT NULL, suspended BOOLEAN NOT NULL,
            subscribed_events TEXT NOT NULL, config_data TEXT NOT NULL, creation_time {time} NOT NULL,
            PRIMARY KEY (project_id, id))
        """,
        """
        CREATE TABLE outbox (
            id {pk}, kind TEXT NOT NULL, payload TEXT NOT NULL, attempts BIGINT NOT NULL,
            next_attempt_time {time} NOT NULL, status TEXT NOT NULL, last_error TEXT, creation_time {time} NOT NULL)
        """,
        "CREATE INDEX outbox_due ON outbox (status, next_attempt_time)",
    ])
}

import Foundation
import Logging
import SQLKit

/// The schema, as an ordered list of versioned migrations. Each runs once, in its own transaction,
/// and is recorded in `schema_migrations`; a database is never changed by editing an old migration,
/// only by adding a new one.
struct Migration: Sendable {
    let version: Int
    let name: String
    let statements: [String]
}

enum Migrations {
    static let all: [Migration] = [
        Migration(version: 1, name: "initial schema", statements: [
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
        ]),
        Migration(version: 2, name: "mqtt retained messages", statements: [
            // One row per topic (mount point included); the message is stored as an MQTT 5 PUBLISH packet.
            "CREATE TABLE mqtt_retained (topic TEXT PRIMARY KEY, message {blob} NOT NULL)",
        ]),
        Migration(version: 3, name: "mqtt persistent sessions", statements: [
            """
            CREATE TABLE mqtt_sessions (
                mount_point TEXT NOT NULL, client_id TEXT NOT NULL, expiry BIGINT NOT NULL,
                PRIMARY KEY (mount_point, client_id))
            """,
            """
            CREATE TABLE mqtt_subscriptions (
                mount_point TEXT NOT NULL, client_id TEXT NOT NULL, filter TEXT NOT NULL, options INTEGER NOT NULL,
                identifier BIGINT, PRIMARY KEY (mount_point, client_id, filter))
            """,
            // Messages owed to a session, oldest first by id; the message is an MQTT 5 PUBLISH packet with the
            // full topic, the other columns say how this session gets it.
            """
            CREATE TABLE mqtt_queue (
                id {pk}, mount_point TEXT NOT NULL, client_id TEXT NOT NULL, qos INTEGER NOT NULL, topic TEXT NOT NULL,
                retain BOOLEAN NOT NULL, subscription_identifiers TEXT NOT NULL, message {blob} NOT NULL)
            """,
            "CREATE INDEX mqtt_queue_session ON mqtt_queue (mount_point, client_id, id)",
        ]),
        Migration(version: 4, name: "oauth identity service", statements: [
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
        ]),
        Migration(version: 5, name: "account roles and permissions", statements: [
            // A custom role's id is its row id + 100 (SQLHomeRepository); 1-3 are the built-in owner, admin and user.
            """
            CREATE TABLE account_roles (
                id {pk}, home_id BIGINT NOT NULL REFERENCES homes(id) ON DELETE CASCADE, name TEXT NOT NULL,
                permissions TEXT NOT NULL, creation_time {time} NOT NULL, UNIQUE (home_id, name))
            """,
            "ALTER TABLE home_members ADD COLUMN account_role_id BIGINT",
            "ALTER TABLE home_members ADD COLUMN permissions TEXT NOT NULL DEFAULT '{}'",
        ]),
        Migration(version: 6, name: "mqtt sessions belong to their principal", statements: [
            // A session is keyed by mount point, owner (the principal that created it) and client id, so another
            // principal cannot resume it with the same client id. Sessions stored before had no owner and cannot be
            // given one safely: they are discarded, and their clients see session present = 0 and subscribe again.
            "DROP TABLE mqtt_queue",
            "DROP TABLE mqtt_subscriptions",
            "DROP TABLE mqtt_sessions",
            """
            CREATE TABLE mqtt_sessions (
                mount_point TEXT NOT NULL, owner TEXT NOT NULL, client_id TEXT NOT NULL, expiry BIGINT NOT NULL,
                PRIMARY KEY (mount_point, owner, client_id))
            """,
            """
            CREATE TABLE mqtt_subscriptions (
                mount_point TEXT NOT NULL, owner TEXT NOT NULL, client_id TEXT NOT NULL, filter TEXT NOT NULL,
                options INTEGER NOT NULL, identifier BIGINT, PRIMARY KEY (mount_point, owner, client_id, filter))
            """,
            """
            CREATE TABLE mqtt_queue (
                id {pk}, mount_point TEXT NOT NULL, owner TEXT NOT NULL, client_id TEXT NOT NULL, qos INTEGER NOT NULL,
                topic TEXT NOT NULL, retain BOOLEAN NOT NULL, subscription_identifiers TEXT NOT NULL, message {blob} NOT NULL)
            """,
            "CREATE INDEX mqtt_queue_session ON mqtt_queue (mount_point, owner, client_id, id)",
            // Whose each retained message is, for the quotas. Rows stored before count toward no project.
            "ALTER TABLE mqtt_retained ADD COLUMN mount_point TEXT NOT NULL DEFAULT ''",
            "ALTER TABLE mqtt_retained ADD COLUMN owner TEXT NOT NULL DEFAULT ''",
        ]),
        Migration(version: 7, name: "message log", statements: [
            // One row per SMS or email sent to an address a caller chose (hashed), for the per-target limit.
            "CREATE TABLE message_log (id {pk}, target TEXT NOT NULL, creation_time {time} NOT NULL)",
            "CREATE INDEX message_log_by_target ON message_log (target, creation_time)",
            "CREATE INDEX message_log_by_time ON message_log (creation_time)",
        ]),
    ]

    /// Replaces the type placeholders with the backend's types.
    static func render(_ statement: String, for backend: SQLBackend) -> String {
        let types: [String: String] =
            switch backend {
            case .sqlite: ["{pk}": "INTEGER PRIMARY KEY AUTOINCREMENT", "{time}": "REAL", "{uuid}": "TEXT", "{blob}": "BLOB"]
            case .postgres: ["{pk}": "BIGSERIAL PRIMARY KEY", "{time}": "TIMESTAMPTZ", "{uuid}": "UUID", "{blob}": "BYTEA"]
            }
        return types.reduce(statement) { $0.replacingOccurrences(of: $1.key, with: $1.value) }
    }

    /// Serialises migrating processes: SQLite's `BEGIN IMMEDIATE` already does; PostgreSQL takes a
    /// transaction-scoped advisory lock (released at commit).
    static func lockMigrations(_ db: any SQLDatabase, _ backend: SQLBackend) async throws {
        if backend == .postgres {
            try await db.raw("SELECT pg_advisory_xact_lock(\(bind: 0x4E494D42)) AS locked").run()
        }
    }

    /// Applies every migration the database has not recorded yet.
    static func migrate(_ executor: any SQLExecutor, logger: Logger) async throws {
        try await executor.withTransaction { db in
            try await lockMigrations(db, executor.backend)
            try await db.raw(SQLQueryString(render(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at {time} NOT NULL)",
                for: executor.backend))).run()
        }
        for migration in all {
            try await executor.withTransaction { db in
                // Checked under the lock, so two processes starting at once apply it only once.
                try await lockMigrations(db, executor.backend)
                let applied = try await db.raw("SELECT version FROM schema_migrations WHERE version = \(bind: migration.version)").first()
                guard applied == nil else { return }
                do {
                    for statement in migration.statements {
                        try await db.raw(SQLQueryString(render(statement, for: executor.backend))).run()
                    }
                } catch {
                    throw StoreError.migrationFailed(version: migration.version, underlying: String(reflecting: error))
                }
                try await db.raw("""
                    INSERT INTO schema_migrations (version, name, applied_at) VALUES (\(bind: migration.version), \(bind: migration.name), \(bind: Date()))
                    """).run()
                logger.info("applied migration", metadata: ["migration.version": "\(migration.version)", "migration.name": "\(migration.name)"])
            }
        }
    }
}

import Foundation
import Logging
import SQLKit

/// The schema, as an ordered list of versioned migrations, one file each in `Migrations/`. Each runs once, in its
/// own transaction, and is recorded in `schema_migrations`; a database is never changed by editing an old
/// migration, only by adding a new one (a new file and a line in `all`).
struct Migration: Sendable {
    let version: Int
    let name: String
    let statements: [String]
    /// Run after `statements` on PostgreSQL only: what serves a PostgreSQL-only need (a covering index, a table's
    /// autovacuum setting) is not built on SQLite.
    var postgresOnly: [String] = []
}

enum Migrations {
    static let all: [Migration] = [
        .initialSchema,
        .mqttRetainedMessages,
        .mqttPersistentSessions,
        .oauthIdentityService,
        .accountRolesAndPermissions,
        .mqttSessionOwners,
        .messageLog,
        .cayenneThings,
        .thingRegistry,
        .thingCommands,
        .registryOwners,
        .latestReadings,
        .readingRollups,
        .readingRetention,
        .rules,
        .jobs,
        .jobHTTPPush,
        .ruleTemplates,
        .ruleStateTriggers,
        .ruleSetVersions,
        .readingsByChannelCovering,
        .busSpills,
        .nodes,
        .attemptCounts,
        .mqttWills,
        .leases,
        .outboxClaimedBy,
    ]

    /// Replaces the type placeholders with the backend's types.
    static func render(_ statement: String, for backend: SQLBackend) -> String {
        let types: [String: String] =
            switch backend {
            case .sqlite: ["{pk}": "INTEGER PRIMARY KEY AUTOINCREMENT", "{time}": "REAL", "{uuid}": "TEXT", "{blob}": "BLOB"]
                .merging(RollupBuckets.sqlite) { first, _ in first }
            case .postgres: ["{pk}": "BIGSERIAL PRIMARY KEY", "{time}": "TIMESTAMPTZ", "{uuid}": "UUID", "{blob}": "BYTEA"]
                .merging(RollupBuckets.postgres) { first, _ in first }
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
                    for statement in migration.statements + (executor.backend == .postgres ? migration.postgresOnly : []) {
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

/// The start of a reading's rollup bucket in SQL (`{bucket_minute}`, `{bucket_hour}`, `{bucket_day}`), as
/// `RollupSize.start(of:)` computes it: times are seconds since 1970 on SQLite (never negative here, so the cast
/// floors them) and `TIMESTAMPTZ` on PostgreSQL.
private enum RollupBuckets {
    static let seconds = ["minute": 60, "hour": 3_600, "day": 86_400]
    static let sqlite = Dictionary(uniqueKeysWithValues: seconds.map { ("{bucket_\($0.key)}", "(CAST(timestamp / \($0.value) AS INTEGER) * \($0.value))") })
    static let postgres = Dictionary(uniqueKeysWithValues: seconds.map {
        ("{bucket_\($0.key)}", "to_timestamp(FLOOR(EXTRACT(EPOCH FROM timestamp) / \($0.value)) * \($0.value))")
    })
}

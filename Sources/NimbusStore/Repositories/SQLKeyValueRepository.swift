import Foundation
import NimbusCore
import SQLKit

struct SQLKeyValueRepository: KeyValueRepository {
    let db: any SQLDatabase

    func get(_ scope: KeyValueScope, key: String) async throws -> KeyValuePair? {
        let (kind, owner) = Self.columns(scope)
        return try await db.raw("""
            SELECT * FROM key_values WHERE scope = \(bind: kind) AND owner_id = \(bind: owner) AND key = \(bind: key)
            """).first().map(Self.pair)
    }

    func list(_ scope: KeyValueScope, keyPrefix: String?) async throws -> [KeyValuePair] {
        let (kind, owner) = Self.columns(scope)
        // Keys are restricted to letters, digits, `_` and `-`, so filtering the prefix here is exact.
        let rows = try await db.raw("SELECT * FROM key_values WHERE scope = \(bind: kind) AND owner_id = \(bind: owner) ORDER BY key").all()
        let pairs = try rows.map(Self.pair)
        guard let keyPrefix, !keyPrefix.isEmpty else { return pairs }
        return pairs.filter { $0.key.hasPrefix(keyPrefix) }
    }

    func put(_ scope: KeyValueScope, key: String, value: JSONValue, at time: Date) async throws -> KeyValuePair {
        let (kind, owner) = Self.columns(scope)
        let revision = try await nextRevision()
        try await db.raw("""
            INSERT INTO key_values (scope, owner_id, key, value, modification_time, revision)
            VALUES (\(bind: kind), \(bind: owner), \(bind: key), \(bind: value.jsonText), \(bind: time), \(bind: revision))
            ON CONFLICT (scope, owner_id, key) DO UPDATE SET value = excluded.value,
                modification_time = excluded.modification_time, revision = excluded.revision
            """).run()
        return KeyValuePair(key: key, value: value, modificationTime: time, revision: revision)
    }

    func delete(_ scope: KeyValueScope, key: String) async throws -> Int? {
        let (kind, owner) = Self.columns(scope)
        let deleted = try await db.raw("""
            DELETE FROM key_values WHERE scope = \(bind: kind) AND owner_id = \(bind: owner) AND key = \(bind: key) RETURNING key
            """).all()
        guard !deleted.isEmpty else { return nil }
        return try await nextRevision()
    }

    func currentRevision() async throws -> Int {
        guard let row = try await db.raw("SELECT value FROM counters WHERE name = 'kv_revision'").first() else {
            throw StoreError.unexpectedRow("kv_revision counter missing")
        }
        return try row.column("value")
    }

    /// The store-wide revision counter, advanced inside the caller's transaction.
    private func nextRevision() async throws -> Int {
        guard let row = try await db.raw("UPDATE counters SET value = value + 1 WHERE name = 'kv_revision' RETURNING value").first() else {
            throw StoreError.unexpectedRow("kv_revision counter missing")
        }
        return try row.column("value")
    }

    static func columns(_ scope: KeyValueScope) -> (String, Int) {
        switch scope {
        case .home(let id): ("home", id)
        case .device(let id): ("device", id)
        case .homeSettings(let id): ("home_settings", id)
        }
    }

    static func pair(_ row: any SQLRow) throws -> KeyValuePair {
        KeyValuePair(key: try row.column("key"), value: try row.json("value"), modificationTime: try row.column("modification_time"), revision: try row.column("revision"))
    }
}

import Foundation
import NimbusCore
import SQLKit

struct SQLAttemptCountRepository: AttemptCountRepository {
    let db: any SQLDatabase
    let backend: SQLBackend

    func lock(_ keys: [String], at time: Date) async throws -> [String: (count: Int, last: Date)] {
        guard !keys.isEmpty else { return [:] }
        // A row for each key first, so that the lock below has something to hold even for a key never seen.
        let insert = SQLRowsInsert("INSERT INTO attempt_counts (key, count, last_at) VALUES ", columns: 3, keys,
                                   tail: " ON CONFLICT (key) DO NOTHING") { [.text($0), .int(0), .date(time)] }
        _ = try await db.rows(of: insert)
        let lock: SQLQueryString = backend == .postgres ? " ORDER BY key FOR UPDATE" : ""
        var counts: [String: (count: Int, last: Date)] = [:]
        for row in try await db.raw("SELECT key, count, last_at FROM attempt_counts WHERE key IN (\(binds: keys))\(lock)").all() {
            counts[try row.column("key")] = (try row.column("count"), try row.column("last_at"))
        }
        return counts
    }

    func set(_ key: String, count: Int, at time: Date) async throws {
        if count > 0 {
            try await db.raw("UPDATE attempt_counts SET count = \(bind: count), last_at = \(bind: time) WHERE key = \(bind: key)").run()
        } else {
            try await db.raw("DELETE FROM attempt_counts WHERE key = \(bind: key)").run()
        }
    }

    func forget(changedBefore cutoff: Date) async throws {
        try await db.raw("DELETE FROM attempt_counts WHERE last_at < \(bind: cutoff)").run()
    }
}

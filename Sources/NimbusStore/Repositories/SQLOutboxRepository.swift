import Foundation
import NimbusCore
import SQLKit

struct SQLOutboxRepository: OutboxRepository {
    let db: any SQLDatabase
    let backend: SQLBackend

    func enqueue(kind: OutboxMessage.Kind, payload: JSONValue, at time: Date) async throws {
        try await db.raw("""
            INSERT INTO outbox (kind, payload, attempts, next_attempt_time, status, creation_time)
            VALUES (\(bind: kind.rawValue), \(bind: payload.jsonText), 0, \(bind: time), 'pending', \(bind: time))
            """).run()
    }

    func due(at time: Date, limit: Int) async throws -> [OutboxMessage] {
        try await db.raw("""
            SELECT * FROM outbox WHERE status = 'pending' AND next_attempt_time <= \(bind: time) ORDER BY next_attempt_time, id LIMIT \(bind: limit)
            """).all().map(Self.message)
    }

    func claim(dueAt time: Date, limit: Int, leaseEnd: Date, by holder: String) async throws -> [OutboxMessage] {
        let lock: SQLQueryString = backend == .postgres ? " FOR UPDATE SKIP LOCKED" : ""
        return try await db.raw("""
            UPDATE outbox SET next_attempt_time = \(bind: leaseEnd), claimed_by = \(bind: holder) WHERE id IN (
                SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_time <= \(bind: time)
                ORDER BY next_attempt_time, id LIMIT \(bind: limit)\(lock))
            RETURNING *
            """).all().map(Self.message).sorted { ($0.creationTime, $0.id) < ($1.creationTime, $1.id) }
    }

    private static func message(_ row: any SQLRow) throws -> OutboxMessage {
        guard let kind = OutboxMessage.Kind(rawValue: try row.column("kind")) else { throw StoreError.unexpectedRow("outbox kind") }
        return OutboxMessage(
            id: try row.column("id"), kind: kind, payload: try row.json("payload"), attempts: try row.column("attempts"),
            nextAttemptTime: try row.column("next_attempt_time"), creationTime: try row.column("creation_time"))
    }

    /// A sent message is deleted: its body may carry a link with a token, which should not stay at rest.
    func complete(id: Int) async throws {
        try await db.raw("DELETE FROM outbox WHERE id = \(bind: id)").run()
    }

    func reschedule(id: Int, attempts: Int, nextAttemptTime: Date, lastError: String) async throws {
        try await db.raw("""
            UPDATE outbox SET attempts = \(bind: attempts), next_attempt_time = \(bind: nextAttemptTime), last_error = \(bind: lastError),
                claimed_by = NULL
            WHERE id = \(bind: id)
            """).run()
    }

    func releaseClaims(ofServersGoneAt time: Date) async throws {
        try await db.raw("""
            UPDATE outbox SET next_attempt_time = \(bind: time), claimed_by = NULL
            WHERE status = 'pending' AND claimed_by IS NOT NULL AND claimed_by NOT IN (SELECT id FROM nodes)
            """).run()
    }

    func abandon(id: Int, lastError: String) async throws {
        try await db.raw("UPDATE outbox SET status = 'failed', attempts = attempts + 1, last_error = \(bind: lastError) WHERE id = \(bind: id)").run()
    }

    func messageCount(target: String, since time: Date) async throws -> Int {
        let row = try await db.raw("""
            SELECT COUNT(*) AS sent FROM message_log WHERE target = \(bind: target) AND creation_time > \(bind: time)
            """).first()
        return try row?.column("sent") ?? 0
    }

    func logMessage(target: String, at time: Date, forgettingBefore cutoff: Date) async throws {
        try await db.raw("DELETE FROM message_log WHERE creation_time <= \(bind: cutoff)").run()
        try await db.raw("INSERT INTO message_log (target, creation_time) VALUES (\(bind: target), \(bind: time))").run()
    }
}

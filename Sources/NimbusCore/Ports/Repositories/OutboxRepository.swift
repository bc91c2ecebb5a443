import Foundation

/// The durable outbox of messages to the outside world.
public protocol OutboxRepository: Sendable {
    func enqueue(kind: OutboxMessage.Kind, payload: JSONValue, at time: Date) async throws
    /// Messages whose next attempt is due, oldest first.
    func due(at time: Date, limit: Int) async throws -> [OutboxMessage]
    /// Takes the messages due at `time` for one sender: their next attempt moves to `leaseEnd`, so no other server on
    /// the database takes them meanwhile, and a server that dies while sending leaves them to the others after it.
    /// Rows another transaction is claiming are skipped (`FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite has one writer).
    /// The claims name their server (`holder`).
    func claim(dueAt time: Date, limit: Int, leaseEnd: Date, by holder: String) async throws -> [OutboxMessage]
    /// Makes the messages claimed by servers no longer among the living (`nodes`) due at `time`: a server that
    /// restarted, or stopped beating, leaves what it had claimed to be sent at once.
    func releaseClaims(ofServersGoneAt time: Date) async throws
    func complete(id: Int) async throws
    func reschedule(id: Int, attempts: Int, nextAttemptTime: Date, lastError: String) async throws
    func abandon(id: Int, lastError: String) async throws
    /// How many messages went to this target (a hashed address) since `time`; the log outlives the
    /// outbox rows, which are deleted once sent.
    func messageCount(target: String, since time: Date) async throws -> Int
    /// Logs a message to the target, and forgets entries older than `cutoff`.
    func logMessage(target: String, at time: Date, forgettingBefore cutoff: Date) async throws
}

extension OutboxRepository {
    /// Enqueues a typed message under its own kind.
    public func enqueue(_ message: some OutboxPayload, at time: Date) async throws {
        try await enqueue(kind: type(of: message).kind, payload: message.payload, at: time)
    }
}

import SQLKit

/// The SQL of the bus between nodes: its notifications, and the messages too large for one (`bus_spills`, migration 22).
enum BusSpills {
    /// Sends the payloads as notifications on `channel`, all in one statement.
    static func notify(_ channel: String, _ payloads: [String], in db: any SQLDatabase) async throws {
        guard !payloads.isEmpty else { return }
        try await db.raw("SELECT pg_notify(\(bind: channel), payload) FROM unnest(\(bind: payloads)::text[]) AS payload").run()
    }

    /// Stores an encoded message and returns its id; spills older than `lifetime` go at the same time.
    static func write(_ item: String, in db: any SQLDatabase, keeping lifetime: Duration) async throws -> Int {
        try await db.raw("DELETE FROM bus_spills WHERE created_at < now() - make_interval(secs => \(bind: Double(lifetime.components.seconds)))").run()
        return try await db.insertReturningId("INSERT INTO bus_spills (payload) VALUES (\(bind: item))")
    }

    static func read(_ id: Int, in db: any SQLDatabase) async throws -> String? {
        try await db.raw("SELECT payload FROM bus_spills WHERE id = \(bind: id)").first()?.column("payload")
    }
}

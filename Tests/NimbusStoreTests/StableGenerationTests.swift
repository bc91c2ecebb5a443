import Foundation
import Logging
import NimbusCore
import NimbusStore
import SQLKit
import Testing

/// `StoreTransaction.stableGeneration`: what lets a batch keep what it read for the next batches (`GenerationCache`).
@Suite("Store generations")
struct StableGenerationTests {
    private struct Refused: Error {}

    private static func generation(_ store: SQLStore) async throws -> UInt64? {
        try await store.writeBatch { tx in tx.stableGeneration }
    }

    @Test("SQLite batches see one generation until any other write commits or rolls back, on this connection or another")
    func sqlite() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("nimbus-generation-\(UUID().uuidString)").path
        let logger = Logger(label: "generation-test")
        let store = try await SQLStore.open(databaseURL: nil, dataDirectory: directory, logger: logger)
        let other = try await SQLStore.open(databaseURL: nil, dataDirectory: directory, logger: logger)

        let first = try #require(try await Self.generation(store))
        #expect(try await Self.generation(store) == first, "a batch leaves the generation as it found it")
        _ = try await store.read { tx in try await tx.events.recent(homeId: 1, limit: 1) }
        #expect(try await Self.generation(store) == first, "reads change nothing")
        #expect(try await store.write { tx in tx.stableGeneration } == nil, "an ordinary transaction has none")

        let afterWrite = try #require(try await Self.generation(store))
        #expect(afterWrite != first, "an ordinary write starts a new generation")
        await #expect(throws: Refused.self) { try await store.write { _ in throw Refused() } }
        let afterRollback = try #require(try await Self.generation(store))
        #expect(afterRollback != afterWrite, "so does one that rolled back")

        // Another connection: what an admin command in another process is to the server.
        try await other.withTransaction { db in
            try await db.raw("CREATE TABLE generation_probe (x INTEGER)").run()
            try await db.raw("INSERT INTO generation_probe VALUES (1)").run()
        }
        let afterOther = try #require(try await Self.generation(store))
        #expect(afterOther != afterRollback, "another connection's commit starts a new generation")
        #expect(try await Self.generation(store) == afterOther)
        try await other.close()
        try await store.close()
    }

    @Test("PostgreSQL batches have no generation: other servers write the same database")
    func postgres() async throws {
        guard StoreBackend.available.contains(.postgres) else { return }
        try await withStore(.postgres) { store in
            let generation = try await Self.generation(store)
            #expect(generation == nil)
        }
    }
}

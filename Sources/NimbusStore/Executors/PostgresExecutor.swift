import Foundation
import Logging
import PostgresKit
import PostgresNIO
import SQLKit
import ServiceLifecycle

/// PostgreSQL through PostgresNIO's connection pool; each transaction is one pooled connection.
final class PostgresExecutor: SQLExecutor {
    let backend = SQLBackend.postgres
    /// Transactions run on the caller's executor: the work is on the server, a hop would only add latency.
    var writeExecutor: (any TaskExecutor)? { nil }
    private let client: PostgresClient
    private let logger: Logger
    private let runner: Task<Void, Never>

    /// Parses `postgres://user:password@host:port/database` and starts the pool.
    init(url: String, logger: Logger) throws {
        var configuration = try PostgresURL(url).clientConfiguration
        configuration.options.maximumConnections = 16
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.client = client
        self.logger = logger
        // The pool does its work inside `run()`; it runs from the moment the store exists, so admin
        // commands and tests can use the store without a ServiceGroup. `close()` cancels it.
        self.runner = Task { await client.run() }
    }

    func withConnection<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await client.withConnection { connection in try await body(PostgresSQLConnection(connection)) }
    }

    func withTransaction<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        do {
            return try await client.withTransaction(logger: logger) { connection in try await body(PostgresSQLConnection(connection)) }
        } catch let error as PostgresTransactionError {
            // The body's own error (a broken business rule, say) is what callers must see; the
            // wrapper only adds that the transaction was rolled back, which `write` promises anyway.
            if let closureError = error.closureError { throw closureError }
            throw error
        }
    }

    /// An ordinary transaction without a generation: other servers write the same database, so nothing a batch
    /// read may be kept for the next (`StoreTransaction.stableGeneration`).
    func withBatchTransaction<T: Sendable>(_ body: @Sendable (any SQLDatabase, UInt64?) async throws -> T) async throws -> T {
        try await withTransaction { db in try await body(db, nil) }
    }

    func run() async throws {
        try? await gracefulShutdown()
        try await close()
    }

    func close() async throws {
        runner.cancel()
        await runner.value
    }
}

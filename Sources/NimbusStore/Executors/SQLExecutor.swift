import NimbusCore
import SQLKit

/// Which SQL database a store runs on; the few statements whose types differ ask this.
public enum SQLBackend: String, Sendable {
    case sqlite
    case postgres
}

/// Runs SQLKit work on one connection at a time. The store's repositories are written once against
/// `SQLDatabase`; the executors hide how each backend hands out connections and transactions.
protocol SQLExecutor: Sendable {
    var backend: SQLBackend { get }
    func withConnection<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T
    /// Runs `body` in one transaction and returns once it is durable.
    func withTransaction<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T
    /// Runs `body` in one batch transaction (`Store.writeBatch`) with the generation it leaves unchanged, or `nil`
    /// where the executor cannot tell (`StoreTransaction.stableGeneration`).
    func withBatchTransaction<T: Sendable>(_ body: @Sendable (any SQLDatabase, UInt64?) async throws -> T) async throws -> T
    /// The executor `withTransaction` runs its body on, if it has one (`Store.writeExecutor`).
    var writeExecutor: (any TaskExecutor)? { get }
    /// Runs until graceful shutdown (a pool's background work), then releases the connections.
    func run() async throws
    /// Releases the connections without waiting for shutdown (for short-lived admin commands).
    func close() async throws
}

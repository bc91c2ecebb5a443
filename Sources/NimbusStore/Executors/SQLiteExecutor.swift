import Logging
import NIOPosix
import SQLKit
import SQLiteKit
import SQLiteNIO
import ServiceLifecycle

/// The embedded default: one SQLite connection in WAL mode, used by one task at a time. SQLite has a
/// single writer anyway, and every statement here takes microseconds, so one connection behind a fair
/// lock is both simple and fast. `synchronous=FULL` makes every commit durable before it returns.
final class SQLiteExecutor: SQLExecutor {
    let backend = SQLBackend.sqlite
    private let connection: SQLiteConnection
    private let database: any SQLDatabase
    private let lock = AsyncLock()

    private init(connection: SQLiteConnection, logger: Logger) {
        self.connection = connection
        self.database = connection.sql(queryLogLevel: .trace)
    }

    static func open(path: String, logger: Logger) async throws -> SQLiteExecutor {
        let connection = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
        let executor = SQLiteExecutor(connection: connection, logger: logger)
        do {
            for pragma in ["PRAGMA busy_timeout = 10000", "PRAGMA journal_mode = WAL", "PRAGMA synchronous = FULL", "PRAGMA foreign_keys = ON"] {
                _ = try await connection.query(pragma)
            }
        } catch {
            try? await connection.close()
            throw error
        }
        return executor
    }

    func withConnection<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await lock.withLock { try await body(database) }
    }

    func withTransaction<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await lock.withLock {
            // IMMEDIATE takes the write lock up front, so a concurrent admin command waits at BEGIN
            // (within busy_timeout) instead of failing halfway through.
            _ = try await connection.query("BEGIN IMMEDIATE")
            do {
                let result = try await body(database)
                _ = try await connection.query("COMMIT")
                return result
            } catch {
                _ = try? await connection.query("ROLLBACK")
                throw error
            }
        }
    }

    func run() async throws {
        try? await gracefulShutdown()
        try await close()
    }

    func close() async throws {
        try await lock.withLock { try await connection.close() }
    }
}

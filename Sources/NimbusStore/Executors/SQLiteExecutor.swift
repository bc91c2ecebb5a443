import Logging
import NIOPosix
import SQLKit
import SQLiteKit
import SQLiteNIO
import ServiceLifecycle
import Synchronization

/// The embedded default: SQLite in WAL mode with one writer connection and a few reader connections.
/// SQLite has a single writer anyway; WAL lets readers run beside it, so authenticating a request never
/// waits for another request's commit. Each connection is used by one task at a time, behind a fair
/// lock. `synchronous=FULL` makes every commit durable before it returns.
final class SQLiteExecutor: SQLExecutor {
    /// One connection and the lock that gives it to one task at a time.
    private struct Lane: Sendable {
        let connection: SQLiteConnection
        let database: any SQLDatabase
        let lock = AsyncLock()

        init(_ connection: SQLiteConnection) {
            self.connection = connection
            // No query logging: bound values include outbox payloads, which may carry emailed tokens.
            self.database = connection.sql(queryLogLevel: nil)
        }
    }

    let backend = SQLBackend.sqlite
    private let writer: Lane
    private let readers: [Lane]
    private let nextReader = Atomic<Int>(0)

    private init(writer: Lane, readers: [Lane]) {
        self.writer = writer
        self.readers = readers
    }

    static func open(path: String, readers: Int = 3, logger: Logger) async throws -> SQLiteExecutor {
        var opened: [SQLiteConnection] = []
        do {
            for index in 0...readers {
                let connection = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
                opened.append(connection)
                var pragmas = ["PRAGMA busy_timeout = 10000", "PRAGMA foreign_keys = ON"]
                if index == 0 { pragmas += ["PRAGMA journal_mode = WAL", "PRAGMA synchronous = FULL"] }
                for pragma in pragmas { _ = try await connection.query(pragma) }
            }
        } catch {
            for connection in opened { try? await connection.close() }
            throw error
        }
        return SQLiteExecutor(writer: Lane(opened[0]), readers: opened.dropFirst().map(Lane.init))
    }

    func withConnection<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        let lane = readers.isEmpty ? writer : readers[nextReader.add(1, ordering: .relaxed).oldValue % readers.count]
        return try await lane.lock.withLock { try await body(lane.database) }
    }

    func withTransaction<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await writer.lock.withLock {
            // IMMEDIATE takes the write lock up front, so a concurrent admin command waits at BEGIN
            // (within busy_timeout) instead of failing halfway through.
            _ = try await writer.connection.query("BEGIN IMMEDIATE")
            do {
                let result = try await body(writer.database)
                _ = try await writer.connection.query("COMMIT")
                return result
            } catch {
                _ = try? await writer.connection.query("ROLLBACK")
                throw error
            }
        }
    }

    func run() async throws {
        try? await gracefulShutdown()
        try await close()
    }

    func close() async throws {
        for lane in [writer] + readers {
            try await lane.lock.withLock { try await lane.connection.close() }
        }
    }
}

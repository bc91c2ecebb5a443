import Logging
import NimbusCore
import SQLKit
import ServiceLifecycle
import Synchronization

/// The embedded default: SQLite in WAL mode with one writer connection and a few reader connections.
/// SQLite has a single writer anyway; WAL lets readers run beside it, so authenticating a request never
/// waits for another request's commit. Each connection is used by one task at a time, behind a fair
/// lock. `synchronous=FULL` makes every commit durable before it returns.
///
/// Statements run synchronously (`SQLiteLane`): a read on the thread of the task that asked for it, a write
/// transaction, from BEGIN to COMMIT, on the writer's own thread (a one-thread `ThreadExecutor`).
final class SQLiteExecutor: SQLExecutor {
    let backend = SQLBackend.sqlite
    private let writer: SQLiteLane
    private let readers: [SQLiteLane]
    private let nextReader = Atomic<Int>(0)
    private let writerThread = ThreadExecutor(name: "nimbus-sqlite-w")
    private let logger: Logger
    var writeExecutor: (any TaskExecutor)? { writerThread }

    private init(writer: SQLiteLane, readers: [SQLiteLane], logger: Logger) {
        self.writer = writer
        self.readers = readers
        self.logger = logger
    }

    static func open(path: String, readers: Int = 3, logger: Logger) throws -> SQLiteExecutor {
        var opened: [SQLiteLane] = []
        do {
            for index in 0...readers {
                let lane = try SQLiteLane(path: path)
                opened.append(lane)
                try lane.execute("PRAGMA foreign_keys = ON")
                if index == 0 {
                    try lane.execute("PRAGMA journal_mode = WAL")
                    try lane.execute("PRAGMA synchronous = FULL")
                }
            }
        } catch {
            for lane in opened { lane.close() }
            throw error
        }
        return SQLiteExecutor(writer: opened[0], readers: Array(opened.dropFirst()), logger: logger)
    }

    func withConnection<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        let lane = readers.isEmpty ? writer : readers[nextReader.add(1, ordering: .relaxed).oldValue % readers.count]
        return try await lane.lock.withLock { try await body(lane.database(logger: logger)) }
    }

    func withTransaction<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await withTaskExecutorPreference(writerThread) {
            try await writer.lock.withLock {
                // IMMEDIATE takes the write lock up front, so a concurrent admin command waits at BEGIN
                // (within the busy timeout) instead of failing halfway through.
                try writer.execute("BEGIN IMMEDIATE")
                do {
                    let result = try await body(writer.database(logger: logger))
                    try writer.execute("COMMIT")
                    return result
                } catch {
                    _ = try? writer.execute("ROLLBACK")
                    throw error
                }
            }
        }
    }

    func run() async throws {
        try? await gracefulShutdown()
        try await close()
    }

    func close() async throws {
        for lane in [writer] + readers {
            try await lane.lock.withLock { lane.close() }
        }
        writerThread.stop()
    }
}

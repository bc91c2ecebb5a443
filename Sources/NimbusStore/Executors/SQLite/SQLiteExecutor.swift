import Logging
import NimbusCore
import SQLKit
import ServiceLifecycle
import Synchronization

/// The embedded default: SQLite in WAL mode with one writer connection and a few reader connections.
/// SQLite has a single writer anyway; WAL lets readers run beside it, so authenticating a request never
/// waits for another request's commit. Each connection is used by one task at a time, behind a fair
/// lock. A write returns once it is durable: the writer commits with `synchronous=FULL`, so every COMMIT
/// flushes the WAL before it returns (`GroupCommit` makes one commit, and one flush, serve a batch of writes).
///
/// Flushing on threads of their own while the writer went on with the next transaction (`synchronous=NORMAL`
/// and an `fdatasync` per batch) measured 9–20 % slower on the event PUT than flushing inside the COMMIT: each
/// batch then took two more thread hand-offs, which cost more than the overlap saved (Benchmarks/README).
///
/// Statements run synchronously (`SQLiteLane`): a read on the thread of the task that asked for it, a write
/// transaction, from BEGIN to COMMIT, on the writer's own thread (a one-thread `ThreadExecutor`).
final class SQLiteExecutor: SQLExecutor {
    let backend = SQLBackend.sqlite
    private let writer: SQLiteLane
    private let readers: [SQLiteLane]
    private let nextReader = Atomic<Int>(0)
    /// The writer sleeps in every commit's flush (two round trips to the disk) and is what every durable write
    /// waits for: with 100 µs time slices it runs as soon as a flush ends instead of after the running thread's
    /// slice (event PUT at 16 connections +7 %, Benchmarks/README).
    private let writerThread = ThreadExecutor(name: "nimbus-sqlite-w", timeSlice: .microseconds(100))
    /// `StoreTransaction.stableGeneration`: write transactions other than batches counted, and the last
    /// `data_version` seen (which changes when another connection commits). Changed with the write lock held.
    private let generation = Mutex<(count: UInt64, dataVersion: Int?)>((0, nil))
    private let logger: Logger
    var writeExecutor: (any TaskExecutor)? { writerThread }

    private init(writer: SQLiteLane, readers: [SQLiteLane], logger: Logger) {
        self.writer = writer
        self.readers = readers
        self.logger = logger
    }

    /// The most of the database file each connection maps (SQLite reads beyond it as usual).
    static let mmapSize = 1 << 30

    static func open(path: String, readers: Int = 3, logger: Logger) throws -> SQLiteExecutor {
        var opened: [SQLiteLane] = []
        do {
            for _ in 0...readers {
                let lane = try SQLiteLane(path: path)
                opened.append(lane)
                try lane.execute("PRAGMA foreign_keys = ON")
                // Pages read through a memory map instead of a copy per read: a long range (an export, a year of
                // history) reads pages all over the readings, and the copies were a quarter of its CPU. Address space,
                // not memory: the pages are the kernel's page cache.
                try lane.execute("PRAGMA mmap_size = \(mmapSize)")
            }
            try configureWriter(opened[0])
            return SQLiteExecutor(writer: opened[0], readers: Array(opened.dropFirst()), logger: logger)
        } catch {
            for lane in opened { lane.close() }
            throw error
        }
    }

    /// Puts the database in WAL mode (where it can be) with every commit flushed before it returns.
    private static func configureWriter(_ writer: SQLiteLane) throws {
        _ = try writer.execute("PRAGMA journal_mode = WAL")
        try writer.execute("PRAGMA synchronous = FULL")
        // Checkpoints (each with two flushes, run by the committing writer) every ~40 MB of log instead of ~4 MB:
        // ingest rewrites the same few pages, so a checkpoint copies about as many either way (Benchmarks/README).
        try writer.execute("PRAGMA wal_autocheckpoint = 10000")
    }

    func withConnection<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        let lane = readers.isEmpty ? writer : readers[nextReader.add(1, ordering: .relaxed).oldValue % readers.count]
        return try await lane.lock.withLock { try await body(lane.database(logger: logger)) }
    }

    func withTransaction<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await transaction { db in
            // Any row may change here: what batches kept is stale from now on, whether this commits or not.
            generation.withLock { $0.count += 1 }
            return try await body(db)
        }
    }

    func withBatchTransaction<T: Sendable>(_ body: @Sendable (any SQLDatabase, UInt64?) async throws -> T) async throws -> T {
        try await transaction { db in try await body(db, try currentGeneration()) }
    }

    /// Runs `body` between BEGIN and COMMIT on the writer, rolling back if it throws.
    private func transaction<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
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

    /// The generation a batch transaction sees, called with the write lock held (after BEGIN IMMEDIATE, so the
    /// connection has read the log's latest state). Another connection's commit (an admin command, another process)
    /// shows as a new `data_version`; this process's own transactions all run on this connection and count
    /// themselves (`withTransaction`). Reader connections never write.
    private func currentGeneration() throws -> UInt64 {
        let dataVersion: Int = try writer.execute("PRAGMA data_version").first?.column("data_version") ?? 0
        return generation.withLock { generation in
            if generation.dataVersion != dataVersion {
                generation.dataVersion = dataVersion
                generation.count += 1
            }
            return generation.count
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

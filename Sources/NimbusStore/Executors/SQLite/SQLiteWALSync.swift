import Dispatch
import Foundation
import Logging
import Metrics
import NimbusCore
import Synchronization
import VaporCSQLite

/// Flushes the writer's log to disk on a thread of its own, so that the writer commits the next transaction
/// while the previous one is being flushed.
///
/// With `synchronous=FULL` SQLite flushes the WAL inside every COMMIT, and the writer thread waits for the disk
/// (300 µs under load here) between transactions. The writer connection runs with `synchronous=NORMAL`
/// instead: a COMMIT appends its frames to the WAL with `write()` and returns; this thread then calls
/// `fdatasync` on the WAL, which writes every page of the file that is not yet on disk, whichever descriptor
/// wrote it. One flush covers every transaction committed before it began, so the writes of a flush are
/// answered together and a write is never answered before its flush (`Durability`).
///
/// What the disk holds is then what `synchronous=FULL` would have left: SQLite keeps the database consistent
/// under `NORMAL` by itself (it flushes the WAL before a checkpoint copies it into the database, and the
/// database before the WAL is reused), and the flush here adds the durability of each answered commit. A
/// process crash (`kill -9`) loses nothing either way: what `write()` gave the kernel is in the file. Readers
/// may see a commit before its flush; a power cut in that window loses a write nobody was told had happened.
///
/// A failed flush is final: after `fdatasync` fails the kernel may have dropped the pages it could not write
/// and a later flush can succeed without them, so every later write is refused instead of answered.
final class SQLiteWALSync: Sendable {
    private struct State {
        /// Transactions committed so far, and how many of them are known to be on disk.
        var committed: UInt64 = 0
        var durable: UInt64 = 0
        /// Callers waiting for a flush, in the order they asked, with the count their transaction made `committed`.
        var waiting: [(transaction: UInt64, callback: Durability.Callback)] = []
        /// Whether the thread has been woken for the callers waiting (and goes on while any are).
        var flushing = false
        var failure: SQLiteFailure?
        var stopped = false
    }

    private let descriptor: Int32
    /// `fdatasync`, or a stand-in a test controls.
    private let flush: @Sendable (Int32) -> Int32
    private let state = Mutex(State())
    private let wake = DispatchSemaphore(value: 0)
    private let logger: Logger
    /// How long each flush takes, and how many transactions each one makes durable.
    private let flushDuration = Timer(label: "nimbus_store_wal_flush_seconds", preferredDisplayUnit: .seconds)
    private let flushTransactions = Recorder(label: "nimbus_store_wal_flush_transactions")

    /// Opens the WAL at `walPath` (it exists once the database is in WAL mode) and starts the thread.
    convenience init(walPath: String, logger: Logger) throws {
        let descriptor = open(walPath, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw SQLiteFailure(code: SQLITE_CANTOPEN, message: "cannot open the WAL to flush it: errno \(errno)")
        }
        self.init(descriptor: descriptor, logger: logger)
    }

    /// Takes `descriptor` (closed when the thread ends) and starts the thread; `flush` is `fdatasync` but in tests.
    init(descriptor: Int32, logger: Logger, flush: @escaping @Sendable (Int32) -> Int32 = { fdatasync($0) }) {
        self.descriptor = descriptor
        self.flush = flush
        self.logger = logger
        Thread { [self] in self.run() }.start()
    }

    /// Called by the writer right after each COMMIT: what says when that transaction is on disk.
    func committed() -> Durability {
        let transaction = state.withLock { state in
            state.committed += 1
            return state.committed
        }
        return Durability { callback in self.whenFlushed(transaction, callback) }
    }

    /// Lets the thread end once the callers already waiting are answered; later ones are refused.
    func stop() {
        let wakes = state.withLock { state in
            defer { state.stopped = true }
            return !state.flushing
        }
        if wakes { wake.signal() }
    }

    private func whenFlushed(_ transaction: UInt64, _ callback: @escaping Durability.Callback) {
        enum Next { case answer(Result<Void, any Error>), wait(wakes: Bool) }
        let next = state.withLock { state -> Next in
            if let failure = state.failure { return .answer(.failure(failure)) }
            if state.durable >= transaction { return .answer(.success(())) }
            if state.stopped { return .answer(.failure(SQLiteFailure(code: SQLITE_MISUSE, message: "the store is closed"))) }
            state.waiting.append((transaction, callback))
            defer { state.flushing = true }
            return .wait(wakes: !state.flushing)
        }
        switch next {
        case .answer(let result): callback(result)
        case .wait(let wakes): if wakes { wake.signal() }
        }
    }

    private func run() {
        ThreadExecutor.nameCurrentThread("nimbus-sqlite-s")
        while true {
            wake.wait()
            flushWhileWaited()
            if state.withLock({ $0.stopped && !$0.flushing }) {
                close(descriptor)
                return
            }
        }
    }

    /// Flushes until nobody waits: each round covers every transaction committed before it began.
    private func flushWhileWaited() {
        while true {
            let target = state.withLock { state -> UInt64? in
                guard !state.waiting.isEmpty else {
                    state.flushing = false
                    return nil
                }
                return state.committed
            }
            guard let target else { return }
            let started = ContinuousClock.now
            let status = flush(descriptor)
            flushDuration.record(duration: ContinuousClock.now - started)
            let failure = status == 0 ? nil : SQLiteFailure(code: SQLITE_IOERR, message: "fdatasync of the WAL failed: errno \(errno)")
            if let failure { logger.critical("SQLite WAL flush failed; refusing every write from now on", metadata: ["error": "\(failure)"]) }
            let answered = state.withLock { state in
                if failure == nil { flushTransactions.record(target - state.durable) }
                if let failure { state.failure = failure } else { state.durable = target }
                let answered = state.waiting.filter { failure != nil || $0.transaction <= target }
                state.waiting.removeAll { failure != nil || $0.transaction <= target }
                return answered.map(\.callback)
            }
            let result: Result<Void, any Error> = if let failure { .failure(failure) } else { .success(()) }
            for callback in answered { callback(result) }
        }
    }
}

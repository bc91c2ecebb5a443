import Dispatch
import Foundation
import Logging
import Metrics
import NimbusCore
import Synchronization
import VaporCSQLite

/// Flushes the writer's log to disk on threads of their own, so that the writer commits the next transaction
/// while the previous one is being flushed.
///
/// With `synchronous=FULL` SQLite flushes the WAL inside every COMMIT, and the writer thread waits for the disk
/// (300 µs under load here) between transactions. The writer connection runs with `synchronous=NORMAL`
/// instead: a COMMIT appends its frames to the WAL with `write()` and returns; a flush thread then calls
/// `fdatasync` on the WAL, which writes every page of the file that is not yet on disk, whichever descriptor
/// wrote it. One flush covers every transaction committed before it began, so the writes of a flush are
/// answered together and a write is never answered before such a flush has ended (`Durability`). A commit made
/// while a flush is under way gets a flush of its own from a second thread at once instead of waiting for the
/// first to end (`threads`, 2: measured +8 % on the event PUT against one; 3 measured no better than 2).
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
        /// The highest `committed` a flush has started with: a caller past it needs a flush of its own.
        var startedUpTo: UInt64 = 0
        /// Flush threads asleep, and those not yet ended.
        var idle = 0
        var running = 0
        /// Answers decided and not yet given, in the order they were decided, and whether a thread is giving them.
        var ready: [(callback: Durability.Callback, result: Result<Void, any Error>)] = []
        var answering = false
        var failure: SQLiteFailure?
        var stopped = false

        /// Queues answers behind those already decided; true when the caller must give them (`answerReady`).
        mutating func queue(_ answers: [(callback: Durability.Callback, result: Result<Void, any Error>)]) -> Bool {
            ready.append(contentsOf: answers)
            guard !answering, !ready.isEmpty else { return false }
            answering = true
            return true
        }
    }

    private let descriptor: Int32
    private let threads: Int
    /// `fdatasync`, or a stand-in a test controls.
    private let flush: @Sendable (Int32) -> Int32
    private let state = Mutex(State())
    private let wake = DispatchSemaphore(value: 0)
    private let logger: Logger
    /// How long each flush takes, and how many transactions each one makes durable.
    private let flushDuration = Timer(label: "nimbus_store_wal_flush_seconds", preferredDisplayUnit: .seconds)
    private let flushTransactions = Recorder(label: "nimbus_store_wal_flush_transactions")

    /// Opens the WAL at `walPath` (it exists once the database is in WAL mode) and starts the threads.
    convenience init(walPath: String, logger: Logger) throws {
        let descriptor = open(walPath, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw SQLiteFailure(code: SQLITE_CANTOPEN, message: "cannot open the WAL to flush it: errno \(errno)")
        }
        self.init(descriptor: descriptor, logger: logger)
    }

    /// Takes `descriptor` (closed when the threads end) and starts `threads` flush threads; `flush` is `fdatasync`
    /// but in tests.
    init(descriptor: Int32, threads: Int = 2, logger: Logger, flush: @escaping @Sendable (Int32) -> Int32 = { fdatasync($0) }) {
        self.descriptor = descriptor
        self.flush = flush
        self.logger = logger
        self.threads = max(1, threads)
        state.withLock { state in (state.idle, state.running) = (self.threads, self.threads) }
        for _ in 0..<self.threads { Thread { [self] in self.run() }.start() }
    }

    /// Called by the writer right after each COMMIT: what says when that transaction is on disk.
    func committed() -> Durability {
        let transaction = state.withLock { state in
            state.committed += 1
            return state.committed
        }
        return Durability { callback in self.whenFlushed(transaction, callback) }
    }

    /// Lets the threads end once the callers already waiting are answered; later ones are refused.
    func stop() {
        state.withLock { $0.stopped = true }
        for _ in 0..<threads { wake.signal() }
    }

    private func whenFlushed(_ transaction: UInt64, _ callback: @escaping Durability.Callback) {
        let (wakes, answers) = state.withLock { state -> (Bool, Bool) in
            let known: Result<Void, any Error>? =
                if let failure = state.failure { .failure(failure) }
                else if state.durable >= transaction { .success(()) }
                else if state.stopped { .failure(SQLiteFailure(code: SQLITE_MISUSE, message: "the store is closed")) }
                else { nil }
            if let known { return (false, state.queue([(callback, known)])) }
            state.waiting.append((transaction, callback))
            // A flush already started after this commit will answer it; else an idle thread starts one now.
            guard transaction > state.startedUpTo, state.idle > 0 else { return (false, false) }
            state.idle -= 1
            return (true, false)
        }
        if wakes { wake.signal() }
        if answers { answerReady() }
    }

    /// Gives the queued answers, in order, until none are left. Answers decided by two flush threads, or by a
    /// flush thread and a caller that found its write already durable, are thus given one after the other, in the
    /// order of the commits (EventIngest publishes each batch from its answer: live streams keep store order).
    private func answerReady() {
        while true {
            let answers = state.withLock { state in
                defer { state.ready = [] }
                if state.ready.isEmpty { state.answering = false }
                return state.ready
            }
            guard !answers.isEmpty else { return }
            for (callback, result) in answers { callback(result) }
        }
    }

    private func run() {
        ThreadExecutor.nameCurrentThread("nimbus-sqlite-s")
        while true {
            wake.wait()
            flushWhileNeeded()
            let closes = state.withLock { state -> Bool? in
                guard state.stopped else { return nil }
                state.running -= 1
                return state.running == 0
            }
            guard let closes else { continue }
            if closes { close(descriptor) }
            return
        }
    }

    /// Flushes while a caller waits whom no flush under way covers: each round covers every transaction committed
    /// before it began, and another thread may be flushing meanwhile.
    private func flushWhileNeeded() {
        while true {
            let target = state.withLock { state -> UInt64? in
                guard state.waiting.contains(where: { $0.transaction > state.startedUpTo }) else {
                    state.idle += 1
                    return nil
                }
                state.startedUpTo = state.committed
                return state.committed
            }
            guard let target else { return }
            let started = ContinuousClock.now
            let status = flush(descriptor)
            let error = errno
            flushDuration.record(duration: ContinuousClock.now - started)
            let failure = status == 0 ? nil : SQLiteFailure(code: SQLITE_IOERR, message: "fdatasync of the WAL failed: errno \(error)")
            if let failure { logger.critical("SQLite WAL flush failed; refusing every write from now on", metadata: ["error": "\(failure)"]) }
            let result: Result<Void, any Error> = if let failure { .failure(failure) } else { .success(()) }
            let answers = state.withLock { state in
                if let failure {
                    state.failure = failure
                } else if target > state.durable {
                    flushTransactions.record(target - state.durable)
                    state.durable = target
                }
                let durable = state.durable
                let answered = state.waiting.filter { failure != nil || $0.transaction <= durable }
                state.waiting.removeAll { failure != nil || $0.transaction <= durable }
                return state.queue(answered.map { ($0.callback, result) })
            }
            if answers { answerReady() }
        }
    }
}

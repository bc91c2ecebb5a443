import Dispatch
import Foundation
import Logging
import NimbusCore
import SQLKit
import Synchronization
import Testing

@testable import NimbusStore

/// A flush the test holds until it lets go, counting how many ran.
private final class HeldFlush: Sendable {
    let started = DispatchSemaphore(value: 0)
    let release = DispatchSemaphore(value: 0)
    let count = Atomic<Int>(0)
    let fails: Bool

    init(fails: Bool = false) { self.fails = fails }

    func flush(_: Int32) -> Int32 {
        count.add(1, ordering: .relaxed)
        started.signal()
        release.wait()
        return fails ? -1 : 0
    }
}

/// Flushes the test lets go one by one, in the order it chooses.
private final class NumberedFlush: Sendable {
    let started = DispatchSemaphore(value: 0)
    private let calls = Atomic<Int>(0)
    private let releases = (0..<8).map { _ in DispatchSemaphore(value: 0) }

    func flush(_: Int32) -> Int32 {
        let call = calls.add(1, ordering: .relaxed).oldValue
        started.signal()
        releases[call].wait()
        return 0
    }

    func release(_ call: Int) { releases[call].signal() }
}

/// What the flush thread answered, in the order it answered.
private final class Answers: Sendable {
    let results = Mutex<[(String, Bool)]>([])
    let arrived = DispatchSemaphore(value: 0)

    func callback(_ name: String) -> Durability.Callback {
        { result in
            self.results.withLock { $0.append((name, (try? result.get()) != nil)) }
            self.arrived.signal()
        }
    }

    var all: [(String, Bool)] { results.withLock { $0 } }
}

/// `SQLiteWALSync`: a commit is answered only by a flush that began after it; one flush answers every commit
/// before it; a commit made during a flush gets one of its own from a second thread; a failed flush refuses
/// every later write; a stopped one refuses new callers.
@Suite("SQLite WAL flush thread")
struct SQLiteWALSyncTests {
    private static func descriptor() -> Int32 { open("/dev/null", O_RDONLY) }

    @Test("one thread: a commit made during a flush waits for the next flush, which answers every commit before it")
    func answersAfterItsFlush() {
        let held = HeldFlush()
        let sync = SQLiteWALSync(descriptor: Self.descriptor(), threads: 1, logger: Logger(label: "test"), flush: held.flush)
        let answers = Answers()
        sync.committed().whenDurable(answers.callback("first"))
        held.started.wait()
        // The first flush is under way: these two commits are not on disk until a flush that starts later.
        let second = sync.committed(), third = sync.committed()
        second.whenDurable(answers.callback("second"))
        third.whenDurable(answers.callback("third"))
        #expect(answers.all.isEmpty)
        held.release.signal()
        answers.arrived.wait()
        #expect(answers.all.map(\.0) == ["first"])
        held.started.wait()
        held.release.signal()
        answers.arrived.wait()
        answers.arrived.wait()
        #expect(answers.all.map(\.0) == ["first", "second", "third"])
        #expect(answers.all.map(\.1) == [true, true, true])
        #expect(held.count.load(ordering: .relaxed) == 2)
        // Already durable: answered without another flush (at once, or right after the answers before it).
        second.whenDurable(answers.callback("again"))
        answers.arrived.wait()
        #expect(answers.all.last?.0 == "again")
        #expect(held.count.load(ordering: .relaxed) == 2)
        sync.stop()
    }

    @Test("two threads: a commit made during a flush starts a flush of its own at once; one more waits for either")
    func secondThreadFlushesAtOnce() {
        let held = HeldFlush()
        let sync = SQLiteWALSync(descriptor: Self.descriptor(), threads: 2, logger: Logger(label: "test"), flush: held.flush)
        let answers = Answers()
        sync.committed().whenDurable(answers.callback("first"))
        held.started.wait()
        sync.committed().whenDurable(answers.callback("second"))
        // Started while the first flush is still held: the second thread's.
        held.started.wait()
        #expect(held.count.load(ordering: .relaxed) == 2)
        sync.committed().whenDurable(answers.callback("third"))
        held.release.signal()
        held.release.signal()
        // Both threads were busy when the third committed: whichever ends first flushes for it.
        held.started.wait()
        held.release.signal()
        for _ in 0..<3 { answers.arrived.wait() }
        #expect(Set(answers.all.map(\.0)) == ["first", "second", "third"])
        #expect(answers.all.map(\.1) == [true, true, true])
        #expect(held.count.load(ordering: .relaxed) == 3)
        sync.stop()
    }

    @Test("a later flush that ends first answers the earlier commits too, in commit order")
    func laterFlushEndsFirst() {
        let flushes = NumberedFlush()
        let sync = SQLiteWALSync(descriptor: Self.descriptor(), threads: 2, logger: Logger(label: "test"), flush: flushes.flush)
        let answers = Answers()
        sync.committed().whenDurable(answers.callback("first"))
        flushes.started.wait()
        sync.committed().whenDurable(answers.callback("second"))
        flushes.started.wait()
        flushes.release(1)
        answers.arrived.wait()
        answers.arrived.wait()
        #expect(answers.all.map(\.0) == ["first", "second"])
        flushes.release(0)
        sync.stop()
    }

    @Test("after a failed flush every write is refused, later ones too")
    func failureIsFinal() {
        let held = HeldFlush(fails: true)
        let sync = SQLiteWALSync(descriptor: Self.descriptor(), logger: Logger(label: "test"), flush: held.flush)
        let answers = Answers()
        sync.committed().whenDurable(answers.callback("first"))
        held.started.wait()
        held.release.signal()
        answers.arrived.wait()
        sync.committed().whenDurable(answers.callback("later"))
        answers.arrived.wait()
        #expect(answers.all.map(\.0) == ["first", "later"])
        #expect(answers.all.map(\.1) == [false, false])
        #expect(held.count.load(ordering: .relaxed) == 1)
        sync.stop()
    }

    @Test("stopping answers the callers already waiting and refuses later ones")
    func stop() {
        let held = HeldFlush()
        let sync = SQLiteWALSync(descriptor: Self.descriptor(), logger: Logger(label: "test"), flush: held.flush)
        let answers = Answers()
        sync.committed().whenDurable(answers.callback("waiting"))
        held.started.wait()
        sync.stop()
        held.release.signal()
        answers.arrived.wait()
        sync.committed().whenDurable(answers.callback("after stop"))
        answers.arrived.wait()
        #expect(answers.all.map(\.0) == ["waiting", "after stop"])
        #expect(answers.all.map(\.1) == [true, false])
    }

    @Test("a write through the store returns once flushed; the data is in the WAL file SQLite reads back")
    func storeWritesAreFlushed() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("nimbus-wal-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("test.sqlite").path
        let executor = try SQLiteExecutor.open(path: path, readers: 1, logger: Logger(label: "test"))
        let synchronous = try await executor.withTransaction { db in
            try await db.raw("CREATE TABLE t (v INTEGER)").run()
            return try await db.raw("PRAGMA synchronous").first(decoding: Synchronous.self)?.synchronous
        }
        #expect(synchronous == 1, "the writer commits with synchronous=NORMAL and leaves the flush to the thread")
        let (_, durability) = try await executor.withTransactionCommitted { db in
            try await db.raw("INSERT INTO t (v) VALUES (42)").run()
        }
        try await durability.wait()
        #expect(FileManager.default.fileExists(atPath: path + "-wal"))
        let count = try await executor.withConnection { db in
            try await db.raw("SELECT count(*) AS n FROM t").first(decoding: Count.self)?.n
        }
        #expect(count == 1)
        try await executor.close()
    }

    private struct Count: Decodable { let n: Int }
    private struct Synchronous: Decodable { let synchronous: Int }
}

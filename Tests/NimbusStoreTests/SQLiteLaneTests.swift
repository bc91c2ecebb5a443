import Foundation
import Logging
import NimbusCore
import SQLiteKit
import Testing

@testable import NimbusStore

/// The store's own SQLite driver (`SQLiteHandle`, `SQLiteLane`, `SQLiteExecutor`): values go in and come back
/// as SQLiteKit's encoder and decoder would have them, kept statements never reuse an earlier run's values,
/// and write transactions run on the writer's thread.
@Suite("SQLite driver")
struct SQLiteLaneTests {
    private static func path() -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("nimbus-lane-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory.appendingPathComponent("test.sqlite").path
    }

    private static func withLane(_ body: (SQLiteLane, any SQLDatabase) async throws -> Void) async throws {
        let lane = try SQLiteLane(path: path())
        defer { lane.close() }
        try await body(lane, lane.database(logger: Logger(label: "lane-test")))
    }

    private struct Row: Codable, Equatable {
        var integer: Int
        var text: String
        var real: Double
        var flag: Bool
        var time: Date
        var missing: String?
        var blob: Data
    }

    @Test("values round-trip as SQLiteKit would store and read them")
    func roundTrip() async throws {
        try await Self.withLane { lane, db in
            try await db.raw("CREATE TABLE t (integer INTEGER, text TEXT, real REAL, flag BOOLEAN, time REAL, missing TEXT, blob BLOB)").run()
            let rows = [
                Row(integer: Int.max, text: "é 日本 😀 with\u{0}nul", real: 0.1, flag: true, time: Date(timeIntervalSince1970: 1_700_000_000.25),
                    missing: nil, blob: Data([0, 1, 2, 255])),
                Row(integer: -42, text: "", real: -1e300, flag: false, time: Date(timeIntervalSince1970: 0), missing: "here", blob: Data()),
            ]
            for row in rows {
                try await db.raw("""
                    INSERT INTO t VALUES (\(bind: row.integer), \(bind: row.text), \(bind: row.real), \(bind: row.flag), \(bind: row.time),
                        \(bind: row.missing), \(bind: row.blob))
                    """).run()
            }
            let read = try await db.raw("SELECT * FROM t ORDER BY rowid").all()
            #expect(read.count == 2)
            for (stored, expected) in zip(read, rows) {
                let decoded = Row(
                    integer: try stored.column("integer"), text: try stored.column("text"), real: try stored.column("real"),
                    flag: try stored.column("flag"), time: try stored.column("time"), missing: try stored.column("missing"),
                    blob: try stored.column("blob"))
                #expect(decoded == expected)
                #expect(try stored.decodeNil(column: "missing") == (expected.missing == nil))
            }
            // What SQLiteKit's own encoder stores for each type is what this driver stores.
            let kinds = try lane.execute("SELECT typeof(integer), typeof(text), typeof(real), typeof(flag), typeof(time), typeof(blob) FROM t LIMIT 1")
            let expectedKinds = try [rows[0].integer, rows[0].text, rows[0].real, rows[0].flag, rows[0].time, rows[0].blob]
                .map { (value: any Encodable) in try SQLiteDataEncoder().encode(value) }
                .map { data -> String in
                    switch data {
                    case .integer: "integer"
                    case .float: "real"
                    case .text: "text"
                    case .blob: "blob"
                    case .null: "null"
                    }
                }
            #expect(kinds[0].values.map { if case .text(let kind) = $0 { kind } else { "?" } } == expectedKinds)
        }
    }

    @Test("the decoding shortcuts give what SQLiteKit's decoder gives, and decline what it would refuse")
    func decodingShortcuts() throws {
        let values: [SQLiteData] = [
            .float(1_700_000_000.123456789), .integer(1_700_000_000), .integer(1), .integer(0), .integer(2),
            .text("e621e1f8-c36c-495a-93fc-0c247a3e6e5f"), .text("not a uuid"), .null,
        ]
        let row = SQLiteResultRow(columns: SQLColumns((0..<values.count).map { "c\($0)" }), values: values)
        let decoder = SQLiteDataDecoder()
        func same<T: Decodable & Equatable>(_ column: Int, as type: T.Type) {
            let fast = try? row.column("c\(column)", as: T.self)
            let kit = try? decoder.decode(T.self, from: values[column])
            #expect(fast == kit, "c\(column) as \(T.self): \(String(describing: fast)) against SQLiteKit's \(String(describing: kit))")
        }
        for column in values.indices {
            same(column, as: Date.self)
            same(column, as: Date?.self)
            same(column, as: Bool.self)
            same(column, as: Bool?.self)
            same(column, as: UUID.self)
            same(column, as: UUID?.self)
            same(column, as: Int?.self)
            same(column, as: String?.self)
        }
    }

    @Test("nil of any optional type and UUIDs are bound as SQLiteKit's encoder binds them, dates on the microseconds they are read on")
    func encodingShortcuts() async throws {
        try await Self.withLane { _, db in
            let id = UUID()
            let time = Date(timeIntervalSince1970: 1_700_000_000.5)
            let row = try await db.raw("""
                SELECT \(bind: String?.none) AS s, \(bind: Date?.none) AS d, \(bind: UUID?.none) AS u, \(bind: id) AS id, \(bind: time) AS t,
                    typeof(\(bind: time)) AS tk
                """).first()
            let read = try #require(row)
            #expect(try read.decodeNil(column: "s") && read.decodeNil(column: "d") && read.decodeNil(column: "u"))
            #expect(try read.column("id", as: String.self) == id.uuidString)
            #expect(try read.column("t", as: Date.self) == time)
            #expect(try read.column("tk", as: String.self) == "real")

            // A date with nanoseconds, stored, read, and bound again finds the very row: what a walk by time relies on.
            try await db.raw("CREATE TABLE times (t REAL)").run()
            for nanoseconds in [0, 1, 499, 500, 501, 999_999, 123_456_789] {
                let date = Date(timeIntervalSince1970: 1_764_900_000 + Double(nanoseconds) / 1e9)
                try await db.raw("DELETE FROM times").run()
                try await db.raw("INSERT INTO times VALUES (\(bind: date))").run()
                let stored = try #require(try await db.raw("SELECT t FROM times").first()).column("t", as: Date.self)
                #expect(abs(stored.timeIntervalSince(date)) < 1e-6)
                let again = try await db.raw("SELECT COUNT(*) AS n FROM times WHERE t = \(bind: stored)").first()?.column("n", as: Int.self)
                #expect(again == 1, "\(nanoseconds) ns")
            }
        }
    }

    @Test("a kept statement runs again with new values, never with the last run's")
    func keptStatements() async throws {
        try await Self.withLane { lane, db in
            try await db.raw("CREATE TABLE kv (k INTEGER PRIMARY KEY, v TEXT)").run()
            for k in 1...50 { try await db.raw("INSERT INTO kv VALUES (\(bind: k), \(bind: "v\(k)"))").run() }
            for k in [7, 1, 50, 7] {
                let value: String? = try await db.raw("SELECT v FROM kv WHERE k = \(bind: k)").first()?.column("v")
                #expect(value == "v\(k)")
            }
            #expect(try await db.raw("SELECT v FROM kv WHERE k = \(bind: 51)").first() == nil)
            // Fewer values than the statement has parameters: refused, not run with what was bound before.
            #expect(throws: SQLiteFailure.self) { try lane.execute("SELECT v FROM kv WHERE k = ?1") }
        }
    }

    @Test("a run with a large payload, then small ones, through the same kept statement")
    func largeBindings() async throws {
        try await Self.withLane { _, db in
            try await db.raw("CREATE TABLE docs (id INTEGER PRIMARY KEY, body TEXT)").run()
            let large = String(repeating: "x", count: SQLiteHandle.retainedBindingLimit + 1)
            for (id, body) in [(1, large), (2, "small"), (3, large + "y"), (4, "")] {
                try await db.raw("INSERT INTO docs VALUES (\(bind: id), \(bind: body))").run()
            }
            let bodies = try await db.raw("SELECT body FROM docs ORDER BY id").all().map { try $0.column("body", as: String.self) }
            #expect(bodies == [large, "small", large + "y", ""])
        }
    }

    @Test("more distinct statements than the cache holds still answer correctly")
    func cacheLimit() async throws {
        try await Self.withLane { _, db in
            let count = SQLiteHandle.statementCacheLimit + 20
            for n in 0..<count {
                let sum: Int? = try await db.raw("SELECT \(unsafeRaw: String(n)) + \(bind: 1) AS n").first()?.column("n")
                #expect(sum == n + 1)
            }
        }
    }

    @Test("a failing statement names its constraint, and the connection goes on")
    func failures() async throws {
        try await Self.withLane { _, db in
            try await db.raw("CREATE TABLE u (email TEXT UNIQUE)").run()
            try await db.raw("INSERT INTO u VALUES (\(bind: "a@example.com"))").run()
            let error = await #expect(throws: SQLiteFailure.self) {
                try await db.raw("INSERT INTO u VALUES (\(bind: "a@example.com"))").run()
            }
            #expect(error?.description.contains("UNIQUE constraint failed: u.email") == true)
            #expect(error?.description.contains("a@example.com") == false)
            let count: Int? = try await db.raw("SELECT COUNT(*) AS n FROM u").first()?.column("n")
            #expect(count == 1)
            await #expect(throws: SQLiteFailure.self) { try await db.raw("SELEC nonsense").run() }
        }
    }

    @Test("a write after the store closed fails instead of waiting forever", .timeLimit(.minutes(1)))
    func writeAfterClose() async throws {
        let store = try await StoreBackend.sqlite.open()
        try await store.close()
        try await Task.sleep(for: .milliseconds(200))  // the writer thread has ended by now
        await #expect(throws: SQLiteFailure.self) { try await store.write { _ in 1 } }
        await #expect(throws: SQLiteFailure.self) { try await store.read { try await $0.devices.get(id: 1) } }
    }

    @Test("the writer is in WAL mode and every COMMIT flushes the log before it returns (synchronous = FULL)")
    func commitsAreFlushed() async throws {
        let executor = try SQLiteExecutor.open(path: Self.path(), logger: Logger(label: "lane-test"))
        let (journal, synchronous) = try await executor.withTransaction { db in
            (try await db.raw("PRAGMA journal_mode").first()?.decode(column: "journal_mode", as: String.self),
             try await db.raw("PRAGMA synchronous").first()?.decode(column: "synchronous", as: Int.self))
        }
        #expect(journal == "wal")
        #expect(synchronous == 2, "2 is FULL: NORMAL (1) would answer writes before the disk has them")
        try await executor.close()
    }

    #if os(Linux)
    @Test("write transactions run on the writer's own thread, reads on the caller's")
    func writerThread() async throws {
        @Sendable func threadName() -> String {
            (try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        }
        try await withStore(.sqlite) { store in
            let writing = try await store.write { _ in threadName() }
            let reading = try await store.read { _ in threadName() }
            #expect(writing == "nimbus-sqlite-w")
            #expect(reading != "nimbus-sqlite-w")
        }
    }
    #endif
}

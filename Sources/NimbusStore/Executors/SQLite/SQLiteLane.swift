import Foundation
import Logging
import NIOCore
import NIOPosix
import SQLKit
import SQLiteKit
import SQLiteNIO
import Synchronization

/// One SQLite connection of the store, given to one task at a time.
///
/// `lock` is held for a whole unit of work (a read, or a transaction from BEGIN to COMMIT) across its awaits;
/// `handle` is the connection itself, touched only by the task holding `lock`, one statement at a time. The
/// `Mutex` around it is what lets the compiler see that (it is never contended, so it costs an atomic).
final class SQLiteLane: Sendable {
    let lock = AsyncLock()
    private let handle: Mutex<SQLiteHandle>

    init(path: String) throws {
        handle = Mutex(try SQLiteHandle(path: path))
    }

    /// The lane as SQLKit's database, for the repositories.
    func database(logger: Logger) -> any SQLDatabase {
        SQLiteLaneDatabase(lane: self, logger: logger)
    }

    /// Runs one statement on the caller's thread and returns its rows.
    @discardableResult
    func execute(_ sql: String, _ binds: [SQLiteData] = []) throws -> [SQLiteResultRow] {
        try handle.withLock { handle in
            var rows: [SQLiteResultRow] = []
            try handle.execute(sql, binds) { rows.append($0) }
            return rows
        }
    }

    func close() {
        handle.withLock { $0.close() }
    }
}

/// SQLKit's view of a lane: serializes each query with SQLite's dialect and runs it on the lane.
///
/// A statement runs on the thread of the task that asked for it. That is a short block on the reader lanes
/// (WAL readers never wait for the writer); the writer's transactions run on `SQLiteExecutor`'s thread of their
/// own, where a checkpoint's flush or a wait for another process's lock blocks nobody else.
private struct SQLiteLaneDatabase: SQLDatabase {
    let lane: SQLiteLane
    let logger: Logger

    /// Unused by this driver (every query runs synchronously); SQLKit's protocol requires one.
    var eventLoop: any EventLoop { MultiThreadedEventLoopGroup.singleton.any() }
    var dialect: any SQLDialect { SQLiteDialect() }
    /// No query logging: bound values include outbox payloads, which may carry emailed tokens.
    var queryLogLevel: Logger.Level? { nil }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) -> EventLoopFuture<Void> {
        eventLoop.makeCompletedFuture { try run(query, onRow) }
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) async throws {
        try run(query, onRow)
    }

    private func run(_ query: any SQLExpression, _ onRow: (any SQLRow) -> Void) throws {
        if let insert = query as? SQLRowsInsert {
            for row in try lane.execute(insert.sqliteText, insert.cells.map(Self.sqliteData)) { onRow(row) }
            return
        }
        let (sql, binds) = serialize(query)
        for row in try lane.execute(sql, try binds.map(Self.sqliteData)) { onRow(row) }
    }

    /// A typed cell as `sqliteData(_:)` converts the same value.
    private static func sqliteData(_ cell: SQLCell) -> SQLiteData {
        switch cell {
        case .int(let value): value.map { .integer($0) } ?? .null
        case .text(let value): value.map { .text($0) } ?? .null
        case .double(let value): value.map { .float($0) } ?? .null
        case .date(let value): .float(storedSeconds(value))
        }
    }

    /// A bound value as SQLiteKit's encoder would send it, with the common types (and `nil`) converted directly.
    private static func sqliteData(_ value: any Encodable & Sendable) throws -> SQLiteData {
        switch value {
        case let value as Int: .integer(value)
        case let value as String: .text(value)
        case let value as Double: .float(value)
        case let value as Bool: .integer(value ? 1 : 0)
        case let value as Date: .float(storedSeconds(value))
        case let value as UUID: .text(value.uuidString)
        // A nil optional of any type: a non-nil one was unwrapped by the casts above, or goes to the encoder.
        case let value as Int? where value == nil: .null
        default: try encoder.encode(value)
        }
    }

    /// A date as stored: seconds since 1970, on the microsecond grid that `Date(sqliteData:)` reads dates back on. So a
    /// date read from a row binds back to exactly the stored number (a walk by `(timestamp, id)` finds its place
    /// again); SQLiteKit's encoder stores the clock's nanoseconds, which the read rounds away.
    static func storedSeconds(_ date: Date) -> Double {
        let microseconds = (date.timeIntervalSinceReferenceDate * 1e6).rounded() / 1e6
        return Date(timeIntervalSinceReferenceDate: microseconds).timeIntervalSince1970
    }

    private static let encoder = SQLiteDataEncoder()
}

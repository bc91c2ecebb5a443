import NIOCore
import SQLiteNIO
// The C API of the SQLite library that SQLiteNIO vendors (its functions are prefixed `sqlite_nio_`). Using that
// copy, and not a second SQLite library, matters: each copy keeps its own table of POSIX locks, and closing the
// database file in one copy silently drops the locks the other holds (sqlite.org/howtocorrupt.html, 2.2.1).
import VaporCSQLite

/// One SQLite connection, used synchronously, that keeps its prepared statements for reuse.
///
/// Why not SQLiteNIO's connection: it prepares every statement anew, runs each one on a thread pool and hands
/// every row back through the event loop, three thread hand-offs per statement, which cost more than the query
/// itself on the store's hot paths. Here a statement runs on the caller's thread, and the SQL text of a
/// repository method maps to one prepared statement for the life of the connection.
///
/// Not thread-safe: `SQLiteLane` keeps it behind a lock.
final class SQLiteHandle {
    /// A prepared statement and the names of its result columns (read once, shared by every row).
    private struct Prepared {
        let statement: OpaquePointer
        let columns: SQLColumns
    }

    /// Statements kept per connection: the store's queries are a few dozen texts, but a list bound with
    /// `IN (...)` makes one text per list length; past the limit the cache starts over.
    static let statementCacheLimit = 256

    /// The most bytes of bound text and blobs a kept statement goes on holding after its run: 64 KiB, so the
    /// cache holds at most 16 MiB of old values, while the small values of ordinary queries stay bound.
    static let retainedBindingLimit = 64 * 1024

    private var db: OpaquePointer?
    private var statements: [String: Prepared] = [:]

    /// Opens (creating if needed) the database at `path`. Waits up to 10 s for another connection's lock.
    init(path: String) throws {
        var db: OpaquePointer?
        let flags = SQLITE_OPEN_CREATE | SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE
        let status = sqlite_nio_sqlite3_open_v2(path, &db, flags, nil)
        guard status == SQLITE_OK, let db else {
            let failure = SQLiteFailure(code: status, db: db)
            sqlite_nio_sqlite3_close(db)
            throw failure
        }
        sqlite_nio_sqlite3_busy_timeout(db, 10_000)
        self.db = db
    }

    /// Runs one statement, calling `onRow` for each result row.
    func execute(_ sql: String, _ binds: [SQLiteData], onRow: (SQLiteResultRow) throws -> Void) throws {
        let prepared = try prepare(sql)
        let statement = prepared.statement
        // A statement left mid-way keeps its read snapshot open: always reset it, whatever happened. Its
        // bindings are kept (every run binds every parameter, checked below): clearing them makes SQLite
        // prepare again any statement whose plan looked at a bound value. Only a run that bound more than
        // `retainedBindingLimit` bytes of text and blobs has them cleared, so that a kept statement never
        // holds a large payload.
        defer {
            sqlite_nio_sqlite3_reset(statement)
            if Self.boundBytes(binds) > Self.retainedBindingLimit { sqlite_nio_sqlite3_clear_bindings(statement) }
        }
        guard sqlite_nio_sqlite3_bind_parameter_count(statement) == binds.count else {
            throw SQLiteFailure(code: SQLITE_RANGE, message: "\(binds.count) values for the parameters of: \(sql)")
        }
        for (index, value) in binds.enumerated() {
            try check(Self.bind(value, at: Int32(index + 1), in: statement))
        }
        while true {
            let status = sqlite_nio_sqlite3_step(statement)
            guard status == SQLITE_ROW else {
                if status == SQLITE_DONE { return }
                throw SQLiteFailure(code: status, db: db)
            }
            try onRow(SQLiteResultRow(columns: prepared.columns, values: Self.values(of: statement, count: prepared.columns.count)))
        }
    }

    /// Finalizes the statements and closes the connection; the handle is unusable afterwards.
    func close() {
        for prepared in statements.values { sqlite_nio_sqlite3_finalize(prepared.statement) }
        statements = [:]
        sqlite_nio_sqlite3_close_v2(db)
        db = nil
    }

    private func prepare(_ sql: String) throws -> Prepared {
        if let prepared = statements[sql] { return prepared }
        guard let db else { throw SQLiteFailure(code: SQLITE_MISUSE, message: "the connection is closed") }
        var statement: OpaquePointer?
        let status = sqlite_nio_sqlite3_prepare_v3(db, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard status == SQLITE_OK, let statement else { throw SQLiteFailure(code: status, db: db) }
        let count = sqlite_nio_sqlite3_column_count(statement)
        let names = (0..<count).map { sqlite_nio_sqlite3_column_name(statement, $0).map { String(cString: $0) } ?? "" }
        if statements.count >= Self.statementCacheLimit {
            for prepared in statements.values { sqlite_nio_sqlite3_finalize(prepared.statement) }
            statements = [:]
        }
        let prepared = Prepared(statement: statement, columns: SQLColumns(names))
        statements[sql] = prepared
        return prepared
    }

    private static func boundBytes(_ binds: [SQLiteData]) -> Int {
        binds.reduce(0) { total, value in
            switch value {
            case .text(let text): total + text.utf8.count
            case .blob(let blob): total + blob.readableBytes
            case .integer, .float, .null: total
            }
        }
    }

    private func check(_ status: Int32) throws {
        guard status == SQLITE_OK else { throw SQLiteFailure(code: status, db: db) }
    }

    private static func bind(_ value: SQLiteData, at index: Int32, in statement: OpaquePointer) -> Int32 {
        switch value {
        case .integer(let value):
            sqlite_nio_sqlite3_bind_int64(statement, index, Int64(value))
        case .float(let value):
            sqlite_nio_sqlite3_bind_double(statement, index, value)
        case .text(let value):
            sqlite_nio_sqlite3_bind_text64(statement, index, value, UInt64(value.utf8.count), transient, UInt8(SQLITE_UTF8))
        case .blob(let value):
            value.withUnsafeReadableBytes {
                sqlite_nio_sqlite3_bind_blob64(statement, index, $0.baseAddress, UInt64($0.count), transient)
            }
        case .null:
            sqlite_nio_sqlite3_bind_null(statement, index)
        }
    }

    private static func values(of statement: OpaquePointer, count: Int) -> [SQLiteData] {
        (0..<Int32(count)).map { column in
            switch sqlite_nio_sqlite3_column_type(statement, column) {
            case SQLITE_INTEGER:
                return .integer(Int(sqlite_nio_sqlite3_column_int64(statement, column)))
            case SQLITE_FLOAT:
                return .float(sqlite_nio_sqlite3_column_double(statement, column))
            case SQLITE_TEXT:
                let length = Int(sqlite_nio_sqlite3_column_bytes(statement, column))
                guard let text = sqlite_nio_sqlite3_column_text(statement, column) else { return .text("") }
                return .text(String(decoding: UnsafeBufferPointer(start: text, count: length), as: UTF8.self))
            case SQLITE_BLOB:
                let length = Int(sqlite_nio_sqlite3_column_bytes(statement, column))
                var buffer = ByteBufferAllocator().buffer(capacity: length)
                if let blob = sqlite_nio_sqlite3_column_blob(statement, column) {
                    buffer.writeBytes(UnsafeRawBufferPointer(start: blob, count: length))
                }
                return .blob(buffer)
            default:
                return .null
            }
        }
    }

    /// `SQLITE_TRANSIENT`: SQLite copies a bound text or blob before the call returns.
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
}

/// An SQLite result code with the connection's message. The message names tables and constraints, never
/// bound values (which may carry secrets).
struct SQLiteFailure: Error, CustomStringConvertible {
    let code: Int32
    let message: String

    init(code: Int32, message: String) {
        self.code = code
        self.message = message
    }

    init(code: Int32, db: OpaquePointer?) {
        self.init(code: code, message: db.flatMap { sqlite_nio_sqlite3_errmsg($0) }.map { String(cString: $0) } ?? "error \(code)")
    }

    var description: String { "SQLite error \(code): \(message)" }
}

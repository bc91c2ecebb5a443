import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import PostgresKit
import PostgresNIO
import SQLKit

/// The store's SQL over one PostgreSQL connection: PostgresKit's (`connection.sql()`) for everything but running a
/// statement, which binds the plain types directly and reads rows through `PostgresResultRow`. PostgresKit decodes
/// each column through its general translation (a dynamic cast, a coding path and a column lookup per value),
/// which made reading a long range cost ~7 µs a row; the telemetry reads and exports read millions.
struct PostgresSQLConnection: SQLDatabase {
    let connection: PostgresConnection
    let base: any SQLDatabase

    init(_ connection: PostgresConnection) {
        self.connection = connection
        self.base = connection.sql(queryLogLevel: nil)
    }

    var logger: Logger { base.logger }
    var eventLoop: any EventLoop { base.eventLoop }
    var version: (any SQLDatabaseReportedVersion)? { base.version }
    var dialect: any SQLDialect { base.dialect }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) -> EventLoopFuture<Void> {
        // A bind of another type: PostgresKit's own path, rows and all.
        guard let postgresQuery = postgresQuery(query) else { return base.execute(sql: query, onRow) }
        // The rows of one result share their columns: named once, from the first row.
        let columns = NIOLockedValueBox<SQLColumns?>(nil)
        return connection.query(postgresQuery, logger: logger) { row in
            let cells = row.makeRandomAccess()
            let shared = columns.withLockedValue { known in
                if let known { return known }
                let named = SQLColumns(cells.map(\.columnName))
                known = named
                return named
            }
            onRow(PostgresResultRow(row: row, cells: cells, columns: shared))
        }.map { _ in }
    }

    /// Runs `query`, handing each row to `onRow` as PostgresNIO reads it, for a caller that decodes rows by position;
    /// `false` (and nothing run) when a bind is not of the plain types.
    func run(_ query: any SQLExpression, onRow: @escaping @Sendable (PostgresRow) throws -> Void) async throws -> Bool {
        guard let postgresQuery = postgresQuery(query) else { return false }
        _ = try await connection.query(postgresQuery, logger: logger, onRow).get()
        return true
    }

    /// The query as PostgresNIO runs it, serialized for PostgreSQL; `nil` when a bind is not of the plain types.
    private func postgresQuery(_ query: any SQLExpression) -> PostgresQuery? {
        var serializer = SQLSerializer(database: self)
        query.serialize(to: &serializer)
        return Self.bindings(serializer.binds).map { PostgresQuery(unsafeSQL: serializer.sql, binds: $0) }
    }

    /// The binds as PostgresKit would encode them, for the plain types the store binds; `nil` if one is of another type.
    static func bindings(_ binds: [any Encodable & Sendable]) -> PostgresBindings? {
        var bindings = PostgresBindings(capacity: binds.count)
        for bind in binds {
            switch bind {
            case let value as Int: bindings.append(value, context: .default)
            case let value as String: bindings.append(value, context: .default)
            case let value as Double: bindings.append(value, context: .default)
            case let value as Date: bindings.append(value, context: .default)
            case let value as Bool: bindings.append(value, context: .default)
            case let value as UUID: bindings.append(value, context: .default)
            case let value as Int?: if let value { bindings.append(value, context: .default) } else { bindings.appendNull() }
            case let value as String?: if let value { bindings.append(value, context: .default) } else { bindings.appendNull() }
            case let value as Double?: if let value { bindings.append(value, context: .default) } else { bindings.appendNull() }
            case let value as Date?: if let value { bindings.append(value, context: .default) } else { bindings.appendNull() }
            // Arrays, for a statement that takes a batch's rows as one array per column (`unnest`).
            case let value as [Int]: bindings.append(value, context: .default)
            case let value as [String]: bindings.append(value, context: .default)
            case let value as [Double]: bindings.append(value, context: .default)
            case let value as [Date]: bindings.append(value, context: .default)
            default: return nil
            }
        }
        return bindings
    }
}

/// One result row, read by the repositories through SQLKit's `SQLRow`: the plain types (and their optionals) decoded
/// by the cell itself, as PostgresKit's fast path does, without its per-value machinery (a dynamic cast, a coding
/// path, a hashed column name); anything else by PostgresKit's row.
struct PostgresResultRow: SQLRow {
    let row: PostgresRow
    let cells: PostgresRandomAccessRow
    let columns: SQLColumns

    var allColumns: [String] { columns.names }

    func contains(column: String) -> Bool {
        columns.index(of: column) != nil
    }

    func decodeNil(column: String) throws -> Bool {
        guard let index = columns.index(of: column) else { return true }
        return cells[index].bytes == nil
    }

    func decode<D: Decodable>(column: String, as type: D.Type) throws -> D {
        if let index = columns.index(of: column) {
            let cell = cells[index]
            if cell.bytes == nil, let optional = D.self as? any ExpressibleByNilLiteral.Type { return optional.init(nilLiteral: ()) as! D }
            // Exact types only, as PostgresKit would take them; a user-defined type (an enum) goes its way.
            if D.self == Int.self || D.self == Int?.self { return try cell.decode(Int.self, context: .default) as! D }
            if (D.self == String.self || D.self == String?.self) && !cell.dataType.isUserDefined { return try cell.decode(String.self, context: .default) as! D }
            if D.self == Double.self || D.self == Double?.self { return try cell.decode(Double.self, context: .default) as! D }
            if D.self == Date.self || D.self == Date?.self { return try cell.decode(Date.self, context: .default) as! D }
            if D.self == Bool.self || D.self == Bool?.self { return try cell.decode(Bool.self, context: .default) as! D }
            if D.self == UUID.self || D.self == UUID?.self { return try cell.decode(UUID.self, context: .default) as! D }
        }
        return try row.sql(decodingContext: .default).decode(column: column, as: D.self)
    }
}

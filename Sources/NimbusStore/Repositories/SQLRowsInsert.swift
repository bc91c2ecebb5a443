import Foundation
import SQLKit
import Synchronization

/// One value of a row that the store inserts in bulk, typed, so that a driver binds it without SQLKit's generic
/// path (an existential per value, serialized through the dialect and cast back to its type by the driver).
enum SQLCell: Sendable {
    case int(Int?)
    case text(String?)
    case double(Double?)
    case date(Date)

    /// The value as `\(bind:)` would have bound it: the same type, so PostgreSQL gets the same parameter types.
    fileprivate func bind(to serializer: inout SQLSerializer) {
        switch self {
        case .int(let value): serializer.write(bind: value)
        case .text(let value): serializer.write(bind: value)
        case .double(let value): serializer.write(bind: value)
        case .date(let value): serializer.write(bind: value)
        }
    }
}

/// A multi-row `INSERT … VALUES (…), (…)` of typed cells: the statement of every durable ingest batch (events,
/// readings, latest values, rollups). On SQLite the lane runs it straight from `sqliteText` and `cells`; the
/// profile of the event PUT put ~15 % of the writer thread in building, serializing and casting back the same
/// statement as an `SQLQueryString` of `\(bind:)`s. Other drivers serialize it as SQLKit expressions.
struct SQLRowsInsert: SQLExpression {
    /// `INSERT INTO table (columns…) VALUES `: the repository's own text, never input.
    let head: String
    /// What follows the rows (`RETURNING id`, an `ON CONFLICT` clause), also the repository's own text.
    let tail: String
    let columns: Int
    /// The rows' cells, row after row.
    private(set) var cells: [SQLCell]

    /// - Parameter row: the cells of one item, `columns` of them, in the order `head` names the columns.
    init<Item>(_ head: String, columns: Int, _ items: [Item], tail: String = "", row: (Item) -> [SQLCell]) {
        self.head = head
        self.tail = tail
        self.columns = columns
        cells = []
        cells.reserveCapacity(items.count * columns)
        for item in items {
            let values = row(item)
            precondition(values.count == columns, "a row of \(head) has \(values.count) cells, not \(columns)")
            cells.append(contentsOf: values)
        }
    }

    var rowCount: Int { cells.count / columns }

    func serialize(to serializer: inout SQLSerializer) {
        serializer.write(head)
        for row in 0..<rowCount {
            serializer.write(row == 0 ? "(" : ", (")
            for column in 0..<columns {
                if column > 0 { serializer.write(", ") }
                cells[row * columns + column].bind(to: &serializer)
            }
            serializer.write(")")
        }
        serializer.write(tail)
    }

    /// The statement with SQLite's `?` placeholders.
    var sqliteText: String {
        let group = "(" + repeatElement("?", count: columns).joined(separator: ", ") + ")"
        return head + repeatElement(group, count: rowCount).joined(separator: ", ") + tail
    }
}

extension SQLDatabase {
    /// Runs an expression and returns its rows (SQLKit's `all()` is on its query builders only).
    func rows(of query: any SQLExpression) async throws -> [any SQLRow] {
        let rows = RowCollector()
        try await execute(sql: query) { rows.append($0) }
        return rows.all
    }
}

/// The rows of one statement, handed over one at a time by the driver's callback.
private final class RowCollector: Sendable {
    private let rows = Mutex<[any SQLRow]>([])
    func append(_ row: any SQLRow) { rows.withLock { $0.append(row) } }
    var all: [any SQLRow] { rows.withLock { $0 } }
}

import Foundation
import NimbusCore
import SQLKit

extension SQLRow {
    /// The value of a column, typed by the caller (public for the stores of other modules, `NimbusMQTTStore`).
    public func column<T: Decodable>(_ name: String, as type: T.Type = T.self) throws -> T {
        try decode(column: name, as: T.self)
    }

    /// A column holding JSON text, parsed.
    func json(_ name: String) throws -> JSONValue {
        let text: String = try column(name)
        guard let value = JSONValue(jsonText: text) else { throw StoreError.unexpectedRow("\(name) is not JSON") }
        return value
    }
}

extension SQLDatabase {
    /// Runs a query that inserts one row and returns its new `id`.
    func insertReturningId(_ query: SQLQueryString) async throws -> Int {
        guard let row = try await raw(query + " RETURNING id").first() else { throw StoreError.unexpectedRow("no id returned") }
        return try row.column("id")
    }

    /// Deletes the rows of `table` whose `owner` column is `id` but the `keep` newest (by `id`): a log kept to a bound per
    /// owner (a rule's firings, a job's runs). `table` and `owner` are the repository's own names, never input.
    func keepNewest(_ keep: Int, in table: String, where owner: String, is id: String) async throws {
        let table = SQLRaw(table), owner = SQLRaw(owner)
        try await raw("""
            DELETE FROM \(table) WHERE \(owner) = \(bind: id)
                AND id < (SELECT MIN(id) FROM (SELECT id FROM \(table) WHERE \(owner) = \(bind: id) ORDER BY id DESC LIMIT \(bind: keep)) kept)
            """).run()
    }

    /// One page of a list: `rows` selects the page (with LIMIT/OFFSET), `count` the total.
    func page<T>(
        _ rows: SQLQueryString, count: SQLQueryString, page: PageRequest, map: (any SQLRow) throws -> T
    ) async throws -> Page<T> {
        let total: Int = try await raw(count).first()?.column("n") ?? 0
        let items = try await raw(rows + " LIMIT \(bind: page.limit) OFFSET \(bind: page.skip)").all().map(map)
        return Page(items: items, skip: page.skip, total: total)
    }
}

extension SQLQueryString {
    /// `insert` followed by one `(…)` group per item, separated by commas: a multi-row `VALUES` list, so that a batch is
    /// one statement and one round trip.
    static func rows<Item>(_ insert: SQLQueryString, _ items: [Item], _ row: (Item) -> SQLQueryString) -> SQLQueryString {
        var query = insert
        for (index, item) in items.enumerated() {
            if index > 0 { query = query + ", " }
            query = query + row(item)
        }
        return query
    }
}

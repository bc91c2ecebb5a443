import Foundation
import NIOCore
import PostgresNIO

/// Reads a result row's plain values in column order, straight from PostgreSQL's binary format: a long read (a
/// channel's day, an export's pages) decodes millions of cells, and PostgresNIO's generic decode of a row's tuple
/// instantiated generic metadata for each one (13 % of a raw day's server time, the decode as a whole 46 %). A cell
/// of another type or format goes through PostgresNIO's own decode, so the values are exactly the ones it would give.
struct PostgresCellReader {
    private var cells: PostgresRow.Iterator

    init(_ row: PostgresRow) {
        cells = row.makeIterator()
    }

    mutating func int() throws -> Int {
        let cell = try next()
        if cell.format == .binary, cell.dataType == .int8, let value = cell.bytes?.getInteger(at: cell.bytes!.readerIndex, as: Int64.self) {
            return Int(value)
        }
        return try cell.decode(Int.self, context: .default)
    }

    mutating func optionalInt() throws -> Int? {
        let cell = try next()
        guard cell.bytes != nil else { return nil }
        if cell.format == .binary, cell.dataType == .int8, let value = cell.bytes?.getInteger(at: cell.bytes!.readerIndex, as: Int64.self) {
            return Int(value)
        }
        return try cell.decode(Int.self, context: .default)
    }

    mutating func optionalDouble() throws -> Double? {
        let cell = try next()
        guard cell.bytes != nil else { return nil }
        if cell.format == .binary, cell.dataType == .float8, let pattern = cell.bytes?.getInteger(at: cell.bytes!.readerIndex, as: UInt64.self) {
            return Double(bitPattern: pattern)
        }
        return try cell.decode(Double.self, context: .default)
    }

    mutating func string() throws -> String {
        let cell = try next()
        if cell.dataType == .text || cell.dataType == .varchar, let text = cell.bytes.map({ String(buffer: $0) }) { return text }
        return try cell.decode(String.self, context: .default)
    }

    mutating func optionalString() throws -> String? {
        let cell = try next()
        guard cell.bytes != nil else { return nil }
        if cell.dataType == .text || cell.dataType == .varchar, let text = cell.bytes.map({ String(buffer: $0) }) { return text }
        return try cell.decode(String.self, context: .default)
    }

    /// A `timestamptz`: microseconds since 2000-01-01, turned into a `Date` by the very expression PostgresNIO uses.
    mutating func date() throws -> Date {
        let cell = try next()
        if cell.format == .binary, cell.dataType == .timestamptz || cell.dataType == .timestamp,
           let microseconds = cell.bytes?.getInteger(at: cell.bytes!.readerIndex, as: Int64.self) {
            return Date(timeInterval: Double(microseconds) / 1_000_000, since: Self.postgresEpoch)
        }
        return try cell.decode(Date.self, context: .default)
    }

    private static let postgresEpoch = Date(timeIntervalSince1970: 946_684_800)

    private mutating func next() throws -> PostgresCell {
        guard let cell = cells.next() else { throw StoreError.unexpectedRow("a result row with fewer columns than its query selects") }
        return cell
    }
}

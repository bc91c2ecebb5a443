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

    mutating func int() throws -> Int { try Self.int(next()) }
    mutating func optionalInt() throws -> Int? { try Self.unlessNull(next(), Self.int) }
    mutating func optionalDouble() throws -> Double? { try Self.unlessNull(next(), Self.double) }
    mutating func string() throws -> String { try Self.string(next()) }
    mutating func optionalString() throws -> String? { try Self.unlessNull(next(), Self.string) }
    mutating func date() throws -> Date { try Self.date(next()) }

    private mutating func next() throws -> PostgresCell {
        guard let cell = cells.next() else { throw StoreError.unexpectedRow("a result row with fewer columns than its query selects") }
        return cell
    }

    private static func unlessNull<T>(_ cell: PostgresCell, _ decode: (PostgresCell) throws -> T) throws -> T? {
        cell.bytes == nil ? nil : try decode(cell)
    }

    /// The 8 bytes of a binary cell of `type` (one of them), read as `T`; `nil` for any other cell.
    private static func fixedWidth<T: FixedWidthInteger>(_ cell: PostgresCell, _ types: PostgresDataType..., as: T.Type) -> T? {
        guard cell.format == .binary, types.contains(cell.dataType), let bytes = cell.bytes, bytes.readableBytes == 8 else { return nil }
        return bytes.getInteger(at: bytes.readerIndex, as: T.self)
    }

    private static func int(_ cell: PostgresCell) throws -> Int {
        if let value = fixedWidth(cell, .int8, as: Int64.self) { return Int(value) }
        return try cell.decode(Int.self, context: .default)
    }

    private static func double(_ cell: PostgresCell) throws -> Double {
        if let pattern = fixedWidth(cell, .float8, as: UInt64.self) { return Double(bitPattern: pattern) }
        return try cell.decode(Double.self, context: .default)
    }

    private static func string(_ cell: PostgresCell) throws -> String {
        if cell.dataType == .text || cell.dataType == .varchar, let bytes = cell.bytes { return String(buffer: bytes) }
        return try cell.decode(String.self, context: .default)
    }

    /// A `timestamptz`: microseconds since 2000-01-01, turned into a `Date` by the very expression PostgresNIO uses.
    private static func date(_ cell: PostgresCell) throws -> Date {
        if let microseconds = fixedWidth(cell, .timestamptz, .timestamp, as: Int64.self) {
            return Date(timeInterval: Double(microseconds) / 1_000_000, since: postgresEpoch)
        }
        return try cell.decode(Date.self, context: .default)
    }

    private static let postgresEpoch = Date(timeIntervalSince1970: 946_684_800)
}

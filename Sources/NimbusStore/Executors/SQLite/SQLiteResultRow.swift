import Foundation
import SQLKit
import SQLiteKit
import SQLiteNIO

/// One result row of `SQLiteHandle`, read by the repositories through SQLKit's `SQLRow`.
///
/// Values are decoded exactly as SQLiteKit decodes them (`SQLiteDataDecoder`); the plain cases (an integer read
/// as `Int` or `Bool`, text as `String` or `UUID`, a real or an integer as `Double` or `Date`, `NULL` as any
/// optional) skip the decoder's dynamic conformance checks, which showed in profiles of the authenticated read
/// paths and of ingest.
struct SQLiteResultRow: SQLRow {
    let columns: SQLColumns
    let values: [SQLiteData]

    var allColumns: [String] { columns.names }

    func contains(column: String) -> Bool {
        columns.index(of: column) != nil
    }

    func decodeNil(column: String) throws -> Bool {
        guard let index = columns.index(of: column) else { return true }
        return values[index] == .null
    }

    func decode<D: Decodable>(column: String, as type: D.Type) throws -> D {
        guard let index = columns.index(of: column) else {
            throw DecodingError.keyNotFound(
                SQLiteColumnKey(stringValue: column), .init(codingPath: [], debugDescription: "no column \(column) in the row"))
        }
        let value = values[index]
        switch value {
        // Exact types only: a cast such as `Int as? Bool` could bridge on some platforms, where the decoder does not.
        case .integer(let integer) where D.self == Int.self || D.self == Int?.self: return integer as! D
        case .text(let text) where D.self == String.self || D.self == String?.self: return text as! D
        case .float(let real) where D.self == Double.self || D.self == Double?.self: return real as! D
        case .float(let real) where D.self == Date.self || D.self == Date?.self: return Self.date(real) as! D
        case .integer(let integer) where D.self == Date.self || D.self == Date?.self: return Self.date(Double(integer)) as! D
        case .integer(let integer) where (D.self == Bool.self || D.self == Bool?.self) && (integer == 0 || integer == 1):
            return (integer == 1) as! D
        case .text(let text) where D.self == UUID.self || D.self == UUID?.self:
            if let uuid = UUID(uuidString: text) { return uuid as! D }
        case .null:
            if let optional = D.self as? any ExpressibleByNilLiteral.Type { return optional.init(nilLiteral: ()) as! D }
        default: break
        }
        return try Self.decoder.decode(D.self, from: value)
    }

    /// A date as SQLiteNIO reads one (`Date(sqliteData:)`): seconds since 1970, rounded to microseconds.
    private static func date(_ secondsSince1970: Double) -> Date {
        let sinceReference = secondsSince1970 - Date.timeIntervalBetween1970AndReferenceDate
        return Date(timeIntervalSinceReferenceDate: (sinceReference * 1e6).rounded() / 1e6)
    }

    private static let decoder = SQLiteDataDecoder()
}

private struct SQLiteColumnKey: CodingKey {
    let stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

import SQLKit
import SQLiteKit
import SQLiteNIO

/// One result row of `SQLiteHandle`, read by the repositories through SQLKit's `SQLRow`.
///
/// Values are decoded exactly as SQLiteKit decodes them (`SQLiteDataDecoder`); the plain cases (an integer read
/// as `Int`, text as `String`, a real as `Double`, and their optionals) skip the decoder's dynamic conformance
/// checks, which showed in profiles of the authenticated read paths.
struct SQLiteResultRow: SQLRow {
    let columns: SQLiteColumns
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
        default: break
        }
        return try Self.decoder.decode(D.self, from: value)
    }

    private static let decoder = SQLiteDataDecoder()
}

private struct SQLiteColumnKey: CodingKey {
    let stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

import Foundation

/// Any JSON value. Event data, key-value values and command parameters are opaque to the core:
/// it stores and forwards them exactly as a client sent them.
public enum JSONValue: Sendable, Hashable, Codable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value):
            // Whole numbers are written without a fraction so that `12` round-trips as `12`, not `12.0`.
            if let integer = Self.exactInteger(value) {
                try container.encode(integer)
            } else {
                try container.encode(value)
            }
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    /// Parses JSON text; `nil` when the text is not JSON (see `JSONParser`).
    public init?(jsonText: some StringProtocol) {
        guard let value = JSONParser.parse(jsonText) else { return nil }
        self = value
    }

    /// Compact JSON text with sorted keys, so that equal values always serialise the same way.
    public var jsonText: String {
        JSONWriter.text(of: self)
    }

    /// The JSON value of an `Encodable` (through its JSON text).
    public init(encoding value: some Encodable) throws {
        self = try JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(value))
    }

    /// Decodes a `Decodable` from this value.
    public func decode<T: Decodable>(as type: T.Type) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(jsonText.utf8))
    }

    /// The integer a JSON number stands for when it is whole and a double holds it exactly (below 2^53 in
    /// magnitude), else `nil`: such numbers are written, and read as text, without a fraction.
    public static func exactInteger(_ number: Double) -> Int64? {
        number.rounded() == number && abs(number) < 9_007_199_254_740_992 ? Int64(number) : nil
    }

    public var objectValue: [String: JSONValue]? {
        if case .object(let value) = self { return value }
        return nil
    }

    public var arrayValue: [JSONValue]? {
        if case .array(let value) = self { return value }
        return nil
    }
}

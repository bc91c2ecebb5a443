import Foundation
import Hummingbird
import NimbusCore
import NimbusHTTP

/// The fields of a WiFi Motion request body (JSON or form), read the way the sample client writes them: in a form,
/// `None` (Python's `str(None)`) is no value.
struct WiFiMotionFields: Sendable {
    let fields: RequestFields

    static func read(_ request: Request, context: NimbusRequestContext) async throws -> WiFiMotionFields {
        let read = try await RequestFields.read(request, context: context)
        guard read.isForm else { return WiFiMotionFields(fields: read) }
        return WiFiMotionFields(fields: RequestFields(read.values.filter { $0.value != .string("None") }, isForm: true))
    }

    /// The names of the fields sent.
    var keys: [String] { Array(fields.values.keys) }
    /// A field as sent (an object or array of a JSON body).
    func value(_ key: String) -> JSONValue? { fields[key] }
    func string(_ key: String) throws -> String? { try fields.string(key) }
    func requiredString(_ key: String) throws -> String { try fields.requiredString(key) }
    func int(_ key: String) throws -> Int? { try fields.int(key) }
    func bool(_ key: String) throws -> Bool? { try fields.bool(key) }

    /// A number (a form sends it as text); `nil` when absent.
    func double(_ key: String) throws -> Double? {
        switch fields[key] {
        case nil: return nil
        case .number(let value)?: return value
        case .string(let text)?:
            guard let value = Double(text.trimmingCharacters(in: .whitespaces)), value.isFinite else {
                throw NimbusError.invalidInput(field: key, reason: "must be a number")
            }
            return value
        default: throw NimbusError.invalidInput(field: key, reason: "must be a number")
        }
    }

    /// Texts: a JSON array of strings, or one text (a form field, or `a,b` in one).
    func strings(_ key: String) throws -> [String]? {
        switch fields[key] {
        case nil: return nil
        case .string(let text)?: return text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        case .array(let items)?:
            return try items.map { item in
                guard case .string(let text) = item else { throw NimbusError.invalidInput(field: key, reason: "must be an array of strings") }
                return text
            }
        default: throw NimbusError.invalidInput(field: key, reason: "must be an array of strings")
        }
    }

    /// One line of text of at most `maxLength` characters, trimmed; `nil` when absent.
    func text(_ key: String, maxLength: Int, allowEmpty: Bool = true) throws -> String? {
        guard let raw = try string(key) else { return nil }
        let text = raw.trimmingCharacters(in: .whitespaces)
        guard allowEmpty || !text.isEmpty else { throw WiFiMotionError.invalid(key, "must not be empty") }
        guard text.count <= maxLength else { throw WiFiMotionError.invalid(key, "at most \(maxLength) characters") }
        guard !text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw WiFiMotionError.invalid(key, "must be one line of text")
        }
        return text
    }
}

extension Request {
    /// A query parameter read as a boolean (`true`/`false`, `1`/`0`); `nil` when absent.
    func wifiMotionFlag(_ name: String) throws -> Bool? {
        guard let text = uri.queryParameters.get(name) else { return nil }
        switch text.lowercased() {
        case "true", "1": return true
        case "false", "0", "": return false
        default: throw NimbusError.invalidInput(field: name, reason: "must be true or false")
        }
    }

    /// A query parameter read as epoch seconds; `nil` when absent.
    func wifiMotionSeconds(_ name: String) throws -> Double? {
        guard let text = uri.queryParameters.get(name) else { return nil }
        // Up to the year 3000: far enough for any range, near enough that no arithmetic on it overflows.
        guard let value = Double(text), value.isFinite, (0...32_503_680_000).contains(value) else {
            throw WiFiMotionError.invalid(name, "epoch seconds up to the year 3000")
        }
        return value
    }

    /// A query parameter read as an integer in `range`; `nil` when absent.
    func wifiMotionInteger(_ name: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let text = uri.queryParameters.get(name) else { return nil }
        guard let value = Int(text), range.contains(value) else { throw WiFiMotionError.invalid(name, "from \(range.lowerBound) to \(range.upperBound)") }
        return value
    }
}

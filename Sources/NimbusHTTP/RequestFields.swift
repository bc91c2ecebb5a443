import Foundation
import Hummingbird
import NimbusCore

/// The fields of a request body, read from JSON or from a URL-encoded form alike, with typed
/// accessors that accept what either encoding can carry (`"12"` for 12 in a form, JSON text for an
/// object). Every accessor throws `NimbusError.invalidInput` naming the field, so each dialect
/// renders bad input in its own error format.
public struct RequestFields: Sendable {
    public private(set) var values: [String: JSONValue]
    /// Whether the fields came from a form, where every value arrives as text.
    public let isForm: Bool

    public init(_ values: [String: JSONValue] = [:], isForm: Bool = false) {
        self.values = values
        self.isForm = isForm
    }

    /// Reads and parses the body of a request (at most `NimbusRequestContext.maximumBodySize` bytes).
    public static func read(_ request: Request, context: NimbusRequestContext) async throws -> RequestFields {
        let buffer = try await request.body.collect(upTo: context.maxUploadSize)
        if let boundary = MultipartForm.boundary(of: request.headers[.contentType]) {
            // `curl -F`: each part a field (files too, as their text).
            let form = try MultipartForm(Array(buffer.readableBytesView), boundary: boundary)
            return RequestFields(Dictionary(form.parts.map { ($0.name, JSONValue.string($0.text ?? "")) }, uniquingKeysWith: { first, _ in first }), isForm: true)
        }
        let text = String(buffer: buffer)
        // A JSON object is never blank: skip walking its characters (the common case, on every ingest request).
        if text.utf8.first != UInt8(ascii: "{"), text.allSatisfy(\.isWhitespace) { return RequestFields() }
        if isForm(text, contentType: request.headers[.contentType]) { return RequestFields(form: text) }
        guard let value = JSONValue(jsonText: text), case .object(let object) = value else {
            throw NimbusError.invalidInput(field: "body", reason: "must be a JSON object or a URL-encoded form")
        }
        return RequestFields(object)
    }

    /// Whether a body is read as a URL-encoded form rather than JSON: it says so, or it does not start with `{`, is not
    /// labelled JSON and has an `=`. (MODE's clients send either without always labelling them.)
    public static func isForm(_ text: String, contentType: String?) -> Bool {
        let contentType = contentType?.lowercased() ?? ""
        return contentType.hasPrefix("application/x-www-form-urlencoded")
            || (!text.hasPrefix("{") && !contentType.contains("json") && text.contains("="))
    }

    /// Parses `a=1&b=two`; `+` is a space and `%XX` an escaped byte.
    public init(form: String) {
        var values: [String: JSONValue] = [:]
        for pair in form.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let decode = { (part: Substring) in (part.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(part)) }
            let key = decode(parts[0])
            guard !key.isEmpty else { continue }
            values[key] = .string(parts.count > 1 ? decode(parts[1]) : "")
        }
        self.init(values, isForm: true)
    }

    public subscript(_ key: String) -> JSONValue? {
        guard let value = values[key], value != .null else { return nil }
        return value
    }

    public func string(_ key: String) throws -> String? {
        switch self[key] {
        case nil: return nil
        case .string(let value)?: return value
        // A whole number is taken as its digits; one past 2^53 is no exact integer (and past Int64 would trap).
        case .number(let value)?:
            if let integer = JSONValue.exactInteger(value) { return String(integer) }
            fallthrough
        default: throw NimbusError.invalidInput(field: key, reason: "must be a string")
        }
    }

    public func requiredString(_ key: String) throws -> String {
        guard let value = try string(key) else { throw NimbusError.invalidInput(field: key, reason: "required") }
        return value
    }

    public func int(_ key: String) throws -> Int? {
        switch self[key] {
        case nil: return nil
        case .number(let value)? where value.rounded() == value && abs(value) < 9e15: return Int(value)
        case .string(let text)?:
            guard let value = Int(text.trimmingCharacters(in: .whitespaces)) else { fallthrough }
            return value
        default: throw NimbusError.invalidInput(field: key, reason: "must be an integer")
        }
    }

    public func requiredInt(_ key: String) throws -> Int {
        guard let value = try int(key) else { throw NimbusError.invalidInput(field: key, reason: "required") }
        return value
    }

    public func bool(_ key: String) throws -> Bool? {
        switch self[key] {
        case nil: return nil
        case .bool(let value)?: return value
        case .string(let text)? where ["true", "1"].contains(text.lowercased()): return true
        case .string(let text)? where ["false", "0"].contains(text.lowercased()): return false
        case .number(let value)? where value == 0 || value == 1: return value == 1
        default: throw NimbusError.invalidInput(field: key, reason: "must be true or false")
        }
    }

    /// A JSON object; in a form, given as JSON text.
    public func object(_ key: String) throws -> [String: JSONValue]? {
        switch self[key] {
        case nil: return nil
        case .object(let value)?: return value
        case .string(let text)?:
            guard let parsed = JSONValue(jsonText: text), case .object(let value) = parsed else { fallthrough }
            return value
        default: throw NimbusError.invalidInput(field: key, reason: "must be a JSON object")
        }
    }

    /// Any JSON value; a form's text is taken as JSON when it parses, else as a string.
    public func anyValue(_ key: String) -> JSONValue? {
        guard let value = self[key] else { return nil }
        if isForm, case .string(let text) = value, let parsed = JSONValue(jsonText: text) { return parsed }
        return value
    }
}

import Foundation
import NimbusCore

/// A `multipart/form-data` body (RFC 7578), what `curl -F` sends: its parts by field name. Token requests from
/// Cayenne's clients come this way too, and the registry's CSV upload will.
public struct MultipartForm: Sendable {
    public struct Part: Sendable {
        public var name: String
        public var filename: String?
        public var contentType: String?
        public var body: [UInt8]

        public var text: String? { String(validating: body, as: UTF8.self) }
    }

    public var parts: [Part]

    /// The boundary of a `multipart/form-data` content type, or `nil` for any other content type.
    public static func boundary(of contentType: String?) -> String? {
        guard let contentType, contentType.lowercased().hasPrefix("multipart/form-data") else { return nil }
        for parameter in contentType.split(separator: ";").dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if pair.count == 2, pair[0].lowercased() == "boundary" {
                let value = pair[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                return value.isEmpty || value.utf8.count > 70 ? nil : value
            }
        }
        return nil
    }

    /// Parses `body`; a body that does not follow the format is `invalidInput` on `body`.
    public init(_ body: [UInt8], boundary: String) throws {
        let delimiter = Array("--\(boundary)".utf8)
        var parts: [Part] = []
        guard var start = Self.find(delimiter, in: body, from: 0) else { throw Self.malformed("no part") }
        while true {
            start += delimiter.count
            // `--` after a delimiter ends the body.
            if body.count >= start + 2, body[start] == UInt8(ascii: "-"), body[start + 1] == UInt8(ascii: "-") { break }
            guard let headersStart = Self.find(Array("\r\n".utf8), in: body, from: start),
                  let headersEnd = Self.find(Array("\r\n\r\n".utf8), in: body, from: headersStart)
            else { throw Self.malformed("a part has no headers") }
            let headers = String(decoding: body[(headersStart + 2)..<headersEnd], as: UTF8.self)
            let contentStart = headersEnd + 4
            guard let next = Self.find(Array("\r\n".utf8) + delimiter, in: body, from: contentStart) else {
                throw Self.malformed("a part does not end")
            }
            parts.append(try Self.part(headers: headers, body: Array(body[contentStart..<next])))
            start = next + 2
        }
        self.parts = parts
    }

    private static func part(headers: String, body: [UInt8]) throws -> Part {
        var name: String?, filename: String?, contentType: String?
        for line in headers.components(separatedBy: "\r\n") {
            let pair = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2 else { continue }
            switch pair[0].lowercased() {
            case "content-disposition":
                for parameter in pair[1].split(separator: ";").dropFirst() {
                    let value = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                    guard value.count == 2 else { continue }
                    let text = value[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                    if value[0].lowercased() == "name" { name = text }
                    if value[0].lowercased() == "filename" { filename = text }
                }
            case "content-type": contentType = pair[1]
            default: break
            }
        }
        guard let name, !name.isEmpty else { throw malformed("a part has no name") }
        return Part(name: name, filename: filename, contentType: contentType, body: body)
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard !needle.isEmpty, haystack.count >= needle.count, start <= haystack.count - needle.count else { return nil }
        var index = start
        while index <= haystack.count - needle.count {
            if haystack[index] == needle[0], haystack[index..<(index + needle.count)].elementsEqual(needle) { return index }
            index += 1
        }
        return nil
    }

    private static func malformed(_ reason: String) -> NimbusError {
        .invalidInput(field: "body", reason: "malformed multipart/form-data: \(reason)")
    }
}

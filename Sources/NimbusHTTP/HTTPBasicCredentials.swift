import Foundation

/// The user and password of an `Authorization: Basic` field (RFC 7617), for every dialect that takes one.
public struct HTTPBasicCredentials: Sendable, Hashable {
    public var user: String
    public var password: String

    public init(user: String, password: String) {
        self.user = user
        self.password = password
    }

    /// - Parameters:
    ///   - header: the `Authorization` field.
    ///   - allowPlain: also take `user:password` as it is, not base64-encoded (Cayenne's docs print it so).
    /// - Returns: `nil` when there is no field or it names another scheme.
    /// - Throws: `HTTPBasicCredentials.Malformed` for a Basic field without `user:password` in it.
    public static func parse(_ header: String?, allowPlain: Bool = false) throws -> HTTPBasicCredentials? {
        guard let header, header.lowercased().hasPrefix("basic ") else { return nil }
        let value = header.dropFirst(6).trimmingCharacters(in: .whitespaces)
        let decoded = Data(base64Encoded: value).flatMap { String(data: $0, encoding: .utf8) }
        guard let text = decoded ?? (allowPlain ? value : nil), let colon = text.firstIndex(of: ":") else { throw Malformed() }
        return HTTPBasicCredentials(user: String(text[..<colon]), password: String(text[text.index(after: colon)...]))
    }

    public struct Malformed: Error {}
}

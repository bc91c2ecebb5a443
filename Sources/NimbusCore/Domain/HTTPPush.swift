import Foundation

/// A request a rule's firing or a job's run makes on the account's behalf (`http_push`): sent by the outbox, from the
/// server, to an address the sender checks when it sends (`NimbusAutomation/HTTPPushSender.swift`).
public struct HTTPPush: Sendable, Hashable, Codable {
    public var url: String
    /// `GET`, `POST`, `PUT`, `PATCH` or `DELETE`.
    public var method: String
    public var headers: [String: String]
    /// Sent as the JSON body (not with `GET`).
    public var payload: JSONValue?

    public init(url: String, method: String, headers: [String: String], payload: JSONValue?) {
        self.url = url
        self.method = method
        self.headers = headers
        self.payload = payload
    }

    public static let methods: Set<String> = ["GET", "POST", "PUT", "PATCH", "DELETE"]
    /// Bounds of what an account may make the server send: the URL, the headers and the payload's JSON text.
    public static let maximumURLBytes = 2_048
    public static let maximumHeaders = 16
    public static let maximumHeaderBytes = 1_024
    public static let maximumPayloadBytes = 16 * 1024

    /// The push checked: an absolute `http` or `https` URL with a host, a known method, header names that are tokens
    /// and values without line breaks, and the bounds above. Where it may connect is checked when it is sent.
    public func validated(field: String) throws -> HTTPPush {
        var push = self
        guard url.utf8.count <= Self.maximumURLBytes, let parsed = URLComponents(string: url), let scheme = parsed.scheme?.lowercased(),
              scheme == "http" || scheme == "https", let host = parsed.host, !host.isEmpty
        else { throw NimbusError.invalidInput(field: "\(field).url", reason: "must be an http or https URL") }
        push.method = method.uppercased()
        guard Self.methods.contains(push.method) else {
            throw NimbusError.invalidInput(field: "\(field).method", reason: "must be GET, POST, PUT, PATCH or DELETE")
        }
        let token = CharacterSet(charactersIn: "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
        guard headers.count <= Self.maximumHeaders, headers.allSatisfy({ name, value in
            !name.isEmpty && name.unicodeScalars.allSatisfy(token.contains) && name.utf8.count + value.utf8.count <= Self.maximumHeaderBytes
                && !value.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" || $0 == "\0" })
        }) else {
            throw NimbusError.invalidInput(field: "\(field).headers", reason: "at most \(Self.maximumHeaders) headers of token names and one-line values")
        }
        guard (payload?.jsonText.utf8.count ?? 0) <= Self.maximumPayloadBytes else {
            throw NimbusError.invalidInput(field: "\(field).payload", reason: "at most \(Self.maximumPayloadBytes) bytes of JSON")
        }
        return push
    }
}

/// An HTTP push waiting in the outbox. The account's signing key is read when it is sent, so the outbox never holds it.
public struct HTTPPushDelivery: OutboxPayload, Hashable {
    public static let kind = OutboxMessage.Kind.httpPush
    public var homeId: Int
    public var url: String
    public var method: String
    public var headers: [String: String]
    public var body: String?

    public init(homeId: Int, push: HTTPPush) {
        self.homeId = homeId
        self.url = push.url
        self.method = push.method
        self.headers = push.headers
        self.body = push.method == "GET" ? nil : (push.payload ?? .object([:])).jsonText
    }
}

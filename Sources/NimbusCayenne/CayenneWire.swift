import Foundation
import Hummingbird
import NimbusCore

/// The JSON objects of the Cayenne auth service, as the seed's response models spell them.
enum CayenneWire {
    /// A reading's value: a number, text, or for several numbers (GPS) their array where the shape allows one, else
    /// the first.
    static func value(_ value: ReadingValue, multiple: Bool) -> JSONValue {
        switch value {
        case .number(let number): .number(number)
        case .numbers(let numbers): multiple ? .array(numbers.map(JSONValue.number)) : numbers.first.map(JSONValue.number) ?? .null
        case .text(let text): .string(text)
        }
    }

    /// A list's `limit` query parameter: a positive integer, `fallback` when absent (the use case caps it).
    static func limit(_ request: Request, fallback: Int = 100) throws -> Int {
        guard let raw = request.uri.queryParameters.get("limit") else { return fallback }
        guard let value = Int(raw), value > 0 else { throw NimbusError.invalidInput(field: "limit", reason: "must be a positive integer") }
        return value
    }

    static func time(_ date: Date?) -> JSONValue {
        guard let date else { return .null }
        return .string(Timestamp.rfc3339(date))
    }

    /// The seed's "Get User" model.
    static func user(_ user: User) -> [String: JSONValue] {
        [
            "id": .string(String(user.id)), "email": user.email.map(JSONValue.string) ?? .null,
            "first_name": .string(user.firstName ?? user.name), "last_name": .string(user.lastName ?? ""),
            "last_login": time(user.lastSignInTime), "phone_number": user.phoneNumber.map(JSONValue.string) ?? .null,
            "created_at": time(user.creationTime), "updated_at": time(user.passwordUpdateTime ?? user.creationTime),
            "user_class_id": .null,
        ]
    }

    static func application(_ app: App, redirects: [AppRedirect]? = nil, secret: String? = nil) -> [String: JSONValue] {
        var object: [String: JSONValue] = [
            "id": .string(app.id), "name": .string(app.name), "description": .string(app.description), "status": .string(app.status.rawValue),
            "confidential": .bool(app.isConfidential), "allow_signup": .bool(app.allowsSignUp),
            "created_at": time(app.creationTime), "updated_at": time(app.updateTime),
        ]
        if let redirects { object["redirect_uris"] = .array(redirects.map { .string($0.uri) }) }
        if let secret { object["secret"] = .string(secret) }
        return object
    }

    /// The seed's "Set applications redirect uri" model.
    static func redirect(_ redirect: AppRedirect) -> JSONValue {
        .object([
            "id": .string(redirect.id), "app_id": .string(redirect.appId), "redirect_uri": .string(redirect.uri),
            "created_at": time(redirect.creationTime), "updated_at": time(redirect.creationTime),
        ])
    }

    /// A token endpoint answer (RFC 6749 §5.1).
    static func tokens(_ tokens: IssuedTokens) -> [String: JSONValue] {
        var object: [String: JSONValue] = [
            "access_token": .string(tokens.accessToken), "token_type": .string("Bearer"), "expires_in": .number(Double(tokens.expiresIn)),
            "scope": .string(tokens.scope),
        ]
        if let refresh = tokens.refreshToken { object["refresh_token"] = .string(refresh) }
        return object
    }
}

/// JSON answers. Token answers must not be cached (RFC 6749 §5.1), and nothing here should be.
enum CayenneResponse {
    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        json(body: ByteBuffer(string: value.jsonText), status: status)
    }

    static func json(_ object: [String: JSONValue], status: HTTPResponse.Status = .ok) -> Response {
        json(.object(object), status: status)
    }

    /// JSON text already written.
    static func json(bytes: [UInt8]) -> Response {
        json(body: ByteBuffer(bytes: bytes), status: .ok)
    }

    private static func json(body: ByteBuffer, status: HTTPResponse.Status) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        headers[.cacheControl] = "no-store"
        return Response(status: status, headers: headers, body: .init(byteBuffer: body))
    }
}

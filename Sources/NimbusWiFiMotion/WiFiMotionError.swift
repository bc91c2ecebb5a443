import Foundation
import Hummingbird
import NimbusCore
import NimbusHTTP

/// An error of the WiFi Motion dialect: `{"error": <code>, "message": <text>}` with its status. The vendor documents
/// no error body (its sample client never reads one); this is the shape Nimbus chose, the same on every path.
public struct WiFiMotionError: HTTPResponseError, Sendable {
    public let status: HTTPResponse.Status
    public let error: String
    public let message: String

    public init(_ status: HTTPResponse.Status, _ error: String, _ message: String) {
        self.status = status
        self.error = error
        self.message = message
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        headers[.cacheControl] = "no-store"
        let body = JSONValue.object(["error": .string(error), "message": .string(message)]).jsonText
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    /// How each core error reads.
    public init(_ error: NimbusError) {
        switch error {
        case .authenticationRequired: self.init(.unauthorized, "unauthorized", "a token is required in Authorization")
        case .invalidCredential: self.init(.unauthorized, "unauthorized", "the token is invalid, expired or ended")
        // A wrong password at sign-in is OAuth's `invalid_grant` (401, `WiFiMotionErrorFormat`); these come from elsewhere.
        case .rejected(.incorrectPassword): self.init(.badRequest, "invalid_request", "current_password: incorrect")
        case .rejected(.unknownEmail): self.init(.badRequest, "invalid_request", "email: no user has this address")
        case .rejected(.unknownUser): self.init(.badRequest, "invalid_request", "user_id: no such user")
        case .wrongCredentialKind, .permissionDenied: self.init(.forbidden, "forbidden", "only the network's owner may do this")
        case .notFound(let what): self.init(.notFound, "not_found", "\(what) not found")
        case .invalidInput(let field, let reason): self.init(.badRequest, "invalid_request", "\(field): \(reason)")
        case .rejected(.emailInUse), .rejected(.userExistsUnverified), .rejected(.alreadyExists), .rejected(.memberExists):
            self.init(.conflict, "conflict", "already exists")
        case .rejected(.lastOwner): self.init(.conflict, "conflict", "the network's last owner cannot leave or be removed")
        case .rejected(.invalidToken): self.init(.badRequest, "invalid_request", "token: invalid, expired or already used")
        case .rejected(.passwordTooShort): self.init(.badRequest, "invalid_request", "password: must be at least 8 characters")
        case .rejected(.invalidEmail): self.init(.badRequest, "invalid_request", "email: not a valid address")
        case .rejected(let rule): self.init(.badRequest, "invalid_request", rule.rawValue.lowercased())
        case .deviceOffline: self.init(.conflict, "conflict", "the device is not connected")
        case .limitReached(let what, let limit): self.init(.conflict, "limit_reached", "at most \(limit) \(what)")
        case .tooManyAttempts: self.init(.tooManyRequests, "too_many_requests", "too many attempts; try again later")
        case .storeFailure: self.init(.internalServerError, "server_error", "internal error")
        }
    }

    /// A field that is missing or wrong.
    static func invalid(_ field: String, _ reason: String) -> WiFiMotionError {
        WiFiMotionError(.badRequest, "invalid_request", "\(field): \(reason)")
    }
}

/// How errors read under `/wifimotion`.
struct WiFiMotionErrorFormat: DialectErrorFormat {
    func failure(forOwn error: any Error) -> WiFiMotionError? {
        switch error {
        case let error as WiFiMotionError: error
        case let error as OAuthError: Self.failure(error)
        default: nil
        }
    }

    func failure(for error: NimbusError) -> WiFiMotionError { WiFiMotionError(error) }

    func failure(forRequestRefusedWith status: HTTPResponse.Status) -> WiFiMotionError {
        switch status {
        case .notFound: WiFiMotionError(.notFound, "not_found", "no such path")
        case .methodNotAllowed: WiFiMotionError(.methodNotAllowed, "method_not_allowed", "method not allowed")
        case .contentTooLarge: WiFiMotionError(.contentTooLarge, "invalid_request", "the request body is too large")
        default: WiFiMotionError(.badRequest, "invalid_request", "the request is malformed")
        }
    }

    var internalFailure: WiFiMotionError { WiFiMotionError(.internalServerError, "server_error", "internal error") }

    /// The OAuth errors the sessions meet: a wrong password, a used refresh token, throttling.
    static func failure(_ error: OAuthError) -> WiFiMotionError {
        switch error {
        case .tooManyAttempts: WiFiMotionError(.tooManyRequests, "too_many_requests", error.description)
        case .invalidGrant: WiFiMotionError(.unauthorized, "unauthorized", error.description)
        default: WiFiMotionError(.badRequest, "invalid_request", error.description)
        }
    }
}

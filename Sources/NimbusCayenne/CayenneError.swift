import Foundation
import Hummingbird
import NimbusCore
import NimbusHTTP

/// An error in Cayenne's format: RFC 6749 §5.2's `{"error", "error_description"}` and, beside them, the
/// hapi/Boom fields `statusCode` and `message` that the real clients read (the sample app takes a body with
/// `statusCode >= 400` for a failure and shows its `message`; without them it took a failed sign-in for a
/// success). With the status the seed lists.
public struct CayenneError: HTTPResponseError, Sendable {
    public let status: HTTPResponse.Status
    public let error: String
    public let description: String
    /// A `WWW-Authenticate` challenge, for 401 answers.
    public let challenge: String?

    public init(_ status: HTTPResponse.Status, _ error: String, _ description: String, challenge: String? = nil) {
        self.status = status
        self.error = error
        self.description = description
        self.challenge = challenge
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        headers[.cacheControl] = "no-store"
        if let challenge { headers[.wwwAuthenticate] = challenge }
        let body = JSONValue.object([
            "statusCode": .number(Double(status.code)), "error": .string(error), "error_description": .string(description),
            "message": .string(description),
        ]).jsonText
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    /// How each core error reads in Cayenne.
    public init(_ error: NimbusError) {
        switch error {
        case .authenticationRequired:
            self.init(.unauthorized, "invalid_token", "an access token is required", challenge: #"Bearer realm="cayenne""#)
        case .invalidCredential:
            self.init(.unauthorized, "invalid_token", "the access token is invalid, expired or revoked", challenge: #"Bearer realm="cayenne", error="invalid_token""#)
        case .wrongCredentialKind: self.init(.forbidden, "insufficient_scope", "this kind of credential may not do this")
        case .permissionDenied: self.init(.forbidden, "access_denied", "permission denied")
        case .notFound(let what): self.init(.notFound, "not_found", "\(what) not found")
        case .invalidInput(let field, let reason): self.init(.badRequest, "invalid_request", "\(field): \(reason)")
        case .rejected(.emailInUse), .rejected(.phoneNumberInUse), .rejected(.alreadyExists): self.init(.conflict, "conflict", "already exists")
        case .rejected(.lastOwner): self.init(.conflict, "conflict", "the account's last owner cannot be removed or demoted")
        case .rejected(.invalidToken): self.init(.badRequest, "invalid_request", "the token is invalid, expired or was already used")
        case .rejected(.passwordTooShort): self.init(.badRequest, "invalid_request", "password: must be at least 8 characters")
        case .rejected(.invalidEmail): self.init(.badRequest, "invalid_request", "email: not a valid address")
        case .rejected(let rule): self.init(.badRequest, "invalid_request", rule.rawValue.lowercased())
        case .deviceOffline: self.init(.conflict, "device_offline", "the device is not connected")
        case .limitReached(let what, let limit):
            self.init(.conflict, "limit_reached", "the account already holds the most \(what) allowed (\(limit))")
        case .tooManyAttempts: self.init(.tooManyRequests, "too_many_attempts", "too many attempts; try again later")
        case .storeFailure: self.init(.internalServerError, "server_error", "internal error")
        }
    }

    /// How each OAuth error reads (RFC 6749 §5.2).
    public init(_ error: OAuthError) {
        switch error {
        case .invalidClient:
            self.init(.unauthorized, error.code, error.description, challenge: #"Basic realm="cayenne""#)
        case .tooManyAttempts:
            self.init(.tooManyRequests, error.code, error.description)
        default:
            self.init(.badRequest, error.code, error.description)
        }
    }
}

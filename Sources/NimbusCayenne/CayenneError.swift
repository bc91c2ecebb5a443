import Foundation
import Hummingbird
import Logging
import NimbusCore
import NimbusHTTP

/// An error in the Cayenne auth service's format, the shape of RFC 6749 §5.2:
/// `{"error": "invalid_request", "error_description": "…"}`, with the status the seed lists.
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
        let body = JSONValue.object(["error": .string(error), "error_description": .string(description)]).jsonText
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

/// Renders every error under `/cayenne` in Cayenne's format, including the router's own (unknown
/// path, body too large). Unexpected errors are logged with their details and answered with a bare
/// `server_error`.
struct CayenneErrorMiddleware: RouterMiddleware {
    typealias Context = NimbusRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.uri.path == CayenneDialect.pathPrefix || request.uri.path.hasPrefix(CayenneDialect.pathPrefix + "/") else {
            return try await next(request, context)
        }
        do {
            return try await next(request, context)
        } catch {
            return try Self.cayenneError(for: error, logger: context.logger).response(from: request, context: context)
        }
    }

    static func cayenneError(for error: any Error, logger: Logger) -> CayenneError {
        switch error {
        case let error as CayenneError: return error
        case let error as OAuthError: return CayenneError(error)
        case let error as NimbusError:
            if case .storeFailure(let detail) = error { logger.error("store failure", metadata: ["error": "\(detail)"]) }
            return CayenneError(error)
        case let error as any HTTPResponseError where error.status.code < 500:
            switch error.status {
            case .notFound: return CayenneError(.notFound, "not_found", "no such path")
            case .methodNotAllowed: return CayenneError(.methodNotAllowed, "invalid_request", "method not allowed")
            case .contentTooLarge: return CayenneError(.contentTooLarge, "invalid_request", "the request body is too large")
            default: return CayenneError(.badRequest, "invalid_request", "the request is malformed")
            }
        default:
            logger.error("unexpected error", metadata: ["error": "\(String(reflecting: error))"])
            return CayenneError(.internalServerError, "server_error", "internal error")
        }
    }
}

import Foundation
import Hummingbird
import Logging
import NimbusCore
import NimbusHTTP

/// Gives every response under `/mode` MODE's CORS headers, answers preflights, and renders every
/// error in MODE's format, including the router's own (unknown path, body too large). Unexpected
/// errors are logged with their details and answered with a bare `INTERNAL_ERROR`.
struct ModeErrorMiddleware: RouterMiddleware {
    typealias Context = NimbusRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.uri.path == "/mode" || request.uri.path.hasPrefix("/mode/") else { return try await next(request, context) }
        if request.method == .options {
            var response = Response(status: .noContent)
            Self.addCORS(to: &response.headers)
            response.headers[.accessControlAllowMethods] = "GET, POST, PUT, PATCH, DELETE, OPTIONS"
            response.headers[.accessControlAllowHeaders] = "Authorization, Content-Type, X-Xsrf-Guard"
            return response
        }
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            response = try Self.modeError(for: error, logger: context.logger).response(from: request, context: context)
        }
        Self.addCORS(to: &response.headers)
        return response
    }

    static func addCORS(to headers: inout HTTPFields) {
        headers[.accessControlAllowOrigin] = "*"
        headers[.accessControlExposeHeaders] = "vnd.tinkermode.range, X-Xsrf-Guard"
    }

    static func modeError(for error: any Error, logger: Logger) -> ModeError {
        switch error {
        case let error as ModeError:
            return error
        case let error as NimbusError:
            if case .storeFailure(let detail) = error { logger.error("store failure", metadata: ["error": "\(detail)"]) }
            return ModeError(error)
        case let error as any HTTPResponseError where error.status == .contentTooLarge:
            return ModeError(.contentTooLarge, "REQUEST_TOO_LARGE")
        case let error as HTTPError:
            switch error.status {
            case .contentTooLarge: return ModeError(.contentTooLarge, "REQUEST_TOO_LARGE")
            case .notFound: return ModeError(.notFound, "NOT_FOUND")
            case .methodNotAllowed: return ModeError(.methodNotAllowed, "METHOD_NOT_ALLOWED")
            case .badRequest: return ModeError(.forbidden, "INVALID_INPUT", data: ["field": "body"])
            default:
                return error.status.code < 500 ? ModeError(error.status, "INVALID_REQUEST") : ModeError(.internalServerError, "INTERNAL_ERROR")
            }
        default:
            logger.error("unexpected error", metadata: ["error": "\(String(reflecting: error))"])
            return ModeError(.internalServerError, "INTERNAL_ERROR")
        }
    }
}

/// Finds the caller: `Authorization: ModeCloud <token>` (or `Bearer`), or `?authToken=` for clients
/// that cannot set headers on a WebSocket. A token that is presented but unknown is refused at once.
struct ModeAuthenticator: RouterMiddleware {
    typealias Context = NimbusRequestContext
    let authenticator: Authenticator

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let token = Self.token(in: request) else { return try await next(request, context) }
        var context = context
        context.principal = try await authenticator.authenticate(token: token)
        return try await next(request, context)
    }

    static func token(in request: Request) -> String? {
        if let header = request.headers[.authorization] {
            let parts = header.split(separator: " ", maxSplits: 1)
            if parts.count == 2, ["modecloud", "bearer"].contains(parts[0].lowercased()) {
                return String(parts[1]).trimmingCharacters(in: .whitespaces)
            }
            return header  // an unknown scheme: treat the whole value as the token, which will not match
        }
        if let token = request.uri.queryParameters.get("authToken"), !token.isEmpty { return token }
        return nil
    }
}

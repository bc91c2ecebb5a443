import Foundation
import Hummingbird
import NimbusCore
import NimbusHTTP

/// Gives every response under `/mode` MODE's CORS headers, errors included (a browser app could not
/// read their reason otherwise), and answers preflights. Added outside the error middleware, so the
/// errors it sees are already responses.
struct ModeCORSMiddleware: RouterMiddleware {
    typealias Context = NimbusRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.isUnder(pathPrefix: ModeDialect.pathPrefix) else { return try await next(request, context) }
        if request.method == .options {
            var response = Response(status: .noContent)
            Self.addCORS(to: &response.headers)
            response.headers[.accessControlAllowMethods] = "GET, POST, PUT, PATCH, DELETE, OPTIONS"
            response.headers[.accessControlAllowHeaders] = "Authorization, Content-Type, X-Xsrf-Guard"
            return response
        }
        var response = try await next(request, context)
        Self.addCORS(to: &response.headers)
        return response
    }

    static func addCORS(to headers: inout HTTPFields) {
        headers[.accessControlAllowOrigin] = "*"
        headers[.accessControlExposeHeaders] = "vnd.tinkermode.range, X-Xsrf-Guard"
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
        if let token = token(inAuthorization: request.headers[.authorization]) { return token }
        if let token = request.uri.queryParameters.get("authToken"), !token.isEmpty { return token }
        return nil
    }

    /// The token of an `Authorization` field.
    static func token(inAuthorization header: String?) -> String? {
        if let header {
            let parts = header.split(separator: " ", maxSplits: 1)
            if parts.count == 2, ["modecloud", "bearer"].contains(parts[0].lowercased()) {
                // Spaces only: HTTP field values carry no other whitespace (and Foundation's trimming was a
                // measurable share of every authenticated request).
                var token = parts[1].drop { $0 == " " || $0 == "\t" }
                while token.last == " " || token.last == "\t" { token = token.dropLast() }
                return String(token)
            }
            return header  // an unknown scheme: treat the whole value as the token, which will not match
        }
        return nil
    }
}

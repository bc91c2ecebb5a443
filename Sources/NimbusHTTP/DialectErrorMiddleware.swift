import HTTPTypes
import Hummingbird
import Logging
import NimbusCore

/// Renders every error of a request under one dialect's path prefix in that dialect's format,
/// including the router's own (unknown path, wrong method, body too large): added to the router
/// itself, not to a group, it sees requests that match no route. Core store failures and unexpected
/// errors are logged with their details and answered with the dialect's bare internal error; bad
/// input never becomes a 5xx. Requests outside the prefix pass through untouched.
public struct DialectErrorMiddleware<Format: DialectErrorFormat>: RouterMiddleware {
    public typealias Context = NimbusRequestContext
    /// The dialect's path prefix, such as `/mode`.
    public let pathPrefix: String
    public let format: Format

    public init(pathPrefix: String, format: Format) {
        self.pathPrefix = pathPrefix
        self.format = format
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.isUnder(pathPrefix: pathPrefix) else { return try await next(request, context) }
        do {
            return try await next(request, context)
        } catch {
            return try failure(for: error, logger: context.logger).response(from: request, context: context)
        }
    }

    /// The dialect's error for any error a handler, a middleware or the router threw.
    public func failure(for error: any Error, logger: Logger) -> Format.Failure {
        if let own = format.failure(forOwn: error) { return own }
        switch error {
        case let error as NimbusError:
            if case .storeFailure(let detail) = error {
                logger.error("store failure", metadata: ["http.dialect": "\(pathPrefix)", "error": "\(detail)"])
            }
            return format.failure(for: error)
        case let error as any HTTPResponseError where error.status.code < 500:
            return format.failure(forRequestRefusedWith: error.status)
        default:
            logger.error("unexpected error", metadata: ["http.dialect": "\(pathPrefix)", "error": "\(String(reflecting: error))"])
            return format.internalFailure
        }
    }
}

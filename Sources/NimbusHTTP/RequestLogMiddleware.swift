import Hummingbird
import Logging

/// Logs each request's method, path, status and duration. Unlike Hummingbird's own request logger it
/// leaves out the query string, where WebSocket clients put their `authToken`: secrets are never logged.
public struct RequestLogMiddleware<Context: RequestContext>: RouterMiddleware {
    let level: Logger.Level

    public init(_ level: Logger.Level = .debug) {
        self.level = level
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        // Building the metadata costs more than many handlers: skip it when the line would not be written.
        guard context.logger.logLevel <= level else { return try await next(request, context) }
        let start = ContinuousClock.now
        var metadata: Logger.Metadata = ["http.method": "\(request.method.rawValue)", "http.path": "\(request.uri.path)"]
        do {
            let response = try await next(request, context)
            metadata["http.status"] = "\(response.status.code)"
            metadata["http.duration"] = "\(ContinuousClock.now - start)"
            context.logger.log(level: level, "request", metadata: metadata)
            return response
        } catch {
            metadata["http.duration"] = "\(ContinuousClock.now - start)"
            metadata["error"] = "\(type(of: error))"
            context.logger.log(level: level, "request failed", metadata: metadata)
            throw error
        }
    }
}

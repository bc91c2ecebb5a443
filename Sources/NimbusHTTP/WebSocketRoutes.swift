import Hummingbird
import Logging
import Synchronization
import WSCore

/// What a WebSocket handler knows about its connection: the upgrade request and the request context
/// as the router's middleware left it (with the caller's principal).
public struct WebSocketSession: WebSocketContext {
    public let request: Request
    public let requestContext: NimbusRequestContext
    public var logger: Logger { requestContext.logger }
}

/// Where a WebSocket route leaves its handler for `HTTP1WebSocketChannel`: the router decides
/// whether a request may become a WebSocket, the channel then runs the socket.
public final class WebSocketUpgradeSlot: Sendable {
    struct Admitted: Sendable {
        let context: NimbusRequestContext
        let handler: WebSocketDataHandler<WebSocketSession>
    }
    private let admitted = Mutex<Admitted?>(nil)

    public init() {}

    func admit(_ context: NimbusRequestContext, handler: @escaping WebSocketDataHandler<WebSocketSession>) {
        admitted.withLock { $0 = Admitted(context: context, handler: handler) }
    }

    func take() -> Admitted? {
        admitted.withLock { value in
            defer { value = nil }
            return value
        }
    }
}

extension RouterMethods where Context == NimbusRequestContext {
    /// Adds a WebSocket endpoint to a router served by `HTTP1WebSocketChannel`.
    ///
    /// `admit` runs before the handshake is answered: whatever it throws becomes the HTTP answer to
    /// the upgrade request, rendered by the router's error middleware like any other error, and the
    /// headers it returns go on the `101 Switching Protocols` response (a negotiated subprotocol).
    @discardableResult
    public func webSocket(
        _ path: RouterPath,
        admit: @escaping @Sendable (Request, NimbusRequestContext) async throws -> HTTPFields = { _, _ in [:] },
        onUpgrade handler: @escaping WebSocketDataHandler<WebSocketSession>
    ) -> Self {
        get(path) { request, context -> Response in
            let headers = try await admit(request, context)
            context.webSocketUpgrade.admit(context, handler: handler)
            return Response(status: .ok, headers: headers)
        }
    }
}

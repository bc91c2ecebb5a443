import HTTPTypes
import NIOCore

/// A route answered on the connection's event loop, below Hummingbird's router.
///
/// Hummingbird hands each request from the event loop to a task and the response back, and runs the router and
/// its middleware in between; for a request whose own work is a few microseconds plus a wait (an event PUT:
/// a durable write in a group commit) those hand-offs are most of its cost. An early route takes such requests
/// on their happy path only: it answers through `respond` or declines, and a declined request goes on to the
/// router exactly as it came, so every error is still rendered in one place. Registered with
/// `HTTP1WebSocketChannel.http1WebSockets(…, earlyRoutes:)`; served by `EarlyRouteHandler`.
public protocol EarlyRoute: Sendable {
    /// Whether this route wants the request, decided on its head alone; its body is then collected (up to
    /// `EarlyRouteHandler.maximumBody`) and offered to `answer`.
    func wants(_ head: HTTPRequest) -> Bool

    /// Answers the request by calling `respond` once, from any thread, with the function that makes the
    /// response (it then runs on the connection's event loop, not on the caller's thread, which may be a serial
    /// writer), and returns `true`; or returns `false` without calling it, and the router gets the request.
    func answer(_ head: HTTPRequest, body: ByteBuffer, respond: @escaping @Sendable (@escaping @Sendable () -> EarlyResponse) -> Void) -> Bool
}

/// What an early route answers: a head and an optional body. The handler adds `Content-Length`, and the
/// `Date` and `Server` fields that Hummingbird adds to every response.
public struct EarlyResponse: Sendable {
    public var head: HTTPResponse
    public var body: ByteBuffer?

    public init(_ head: HTTPResponse, body: ByteBuffer? = nil) {
        self.head = head
        self.body = body
    }
}

import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// Offers each request of an HTTP/1.1 connection to the early routes before it reaches the router
/// (`EarlyRoute`). Sits just before the connection's `NIOAsyncChannel`, on the channel's event loop.
///
/// Responses must leave in request order. A request is taken early only when every request the router got
/// has been answered (counting request ends in and response ends out); while an early answer is pending,
/// further request parts (a client that pipelines) are held and offered again once it is written. Reads go on
/// while what is held is small (`maximumHeldParts`, `maximumHeldBytes`) and stop past it, so what is held is at
/// most that and what one read brought. (Stopping reads at every early answer instead made the socket leave the
/// event loop's interest set and come back, two `epoll_ctl` calls per request, for clients that never pipeline.)
final class EarlyRouteHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    /// The largest body collected for an early route; a larger one goes to the router, which has its own limit.
    static let maximumBody = 64 * 1024
    /// How much may be held behind a pending early answer before reads stop.
    static let maximumHeldParts = 64
    static let maximumHeldBytes = 64 * 1024

    private enum State {
        /// Between requests.
        case idle
        /// The current request goes to the router.
        case routing
        /// The current request's body is being collected for `route`.
        case collecting(any EarlyRoute, HTTPRequest, ByteBuffer)
        /// An early route has the request and has not answered yet.
        case answering
    }

    private let routes: [any EarlyRoute]
    private let serverName: String?
    private var state = State.idle
    /// Requests given to the router whose response has not ended yet.
    private var routedAwaitingResponse = 0
    /// Parts that arrived while an early answer was pending, and the bytes of their bodies.
    private var held: [HTTPRequestPart] = []
    private var heldBytes = 0
    /// A read asked for while an early answer was pending, passed on once it is written.
    private var deferredRead = false
    private var context: ChannelHandlerContext?

    init(routes: [any EarlyRoute], serverName: String?) {
        self.routes = routes
        self.serverName = serverName
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        read(unwrapInboundIn(data), context: context)
    }

    private func read(_ part: HTTPRequestPart, context: ChannelHandlerContext) {
        switch (state, part) {
        case (.answering, _):
            held.append(part)
            if case .body(let chunk) = part { heldBytes += chunk.readableBytes }
        case (.idle, .head(let head)):
            if routedAwaitingResponse == 0, Self.mayAnswerEarly(head), let route = routes.first(where: { $0.wants(head) }) {
                state = .collecting(route, head, context.channel.allocator.buffer(capacity: 0))
            } else {
                route(part, context: context)
            }
        case (.collecting(let route, let head, var body), .body(var chunk)):
            if body.readableBytes + chunk.readableBytes > Self.maximumBody {
                state = .routing
                context.fireChannelRead(wrapInboundOut(.head(head)))
                body.writeBuffer(&chunk)
                context.fireChannelRead(wrapInboundOut(.body(body)))
            } else {
                body.writeBuffer(&chunk)
                state = .collecting(route, head, body)
            }
        case (.collecting(let route, let head, let body), .end):
            offer(head, body: body, to: route, context: context)
        default:
            route(part, context: context)
        }
    }

    /// Whether a request's head allows an early answer at all: not one that waits for `100 Continue`, nor one
    /// that asks for the connection to close after it (the router's side closes it).
    static func mayAnswerEarly(_ head: HTTPRequest) -> Bool {
        guard head.headerFields[.expect] == nil else { return false }
        guard let connection = head.headerFields[.connection] else { return true }
        return !connection.lowercased().split(separator: ",").contains { $0.filter { !$0.isWhitespace } == "close" }
    }

    /// Gives the part to the router, counting the request once its end has passed.
    private func route(_ part: HTTPRequestPart, context: ChannelHandlerContext) {
        switch part {
        case .head: state = .routing
        case .body: break
        case .end:
            state = .idle
            routedAwaitingResponse += 1
        }
        context.fireChannelRead(wrapInboundOut(part))
    }

    private func offer(_ head: HTTPRequest, body: ByteBuffer, to route: any EarlyRoute, context: ChannelHandlerContext) {
        state = .answering
        let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
        let eventLoop = context.eventLoop
        let taken = route.answer(head, body: body) { makeResponse in
            eventLoop.execute { handler.value.write(makeResponse()) }
        }
        if !taken {
            state = .idle
            self.route(.head(head), context: context)
            if body.readableBytes > 0 { self.route(.body(body), context: context) }
            self.route(.end(nil), context: context)
        }
    }

    /// Writes an early answer, then offers what arrived meanwhile.
    private func write(_ response: EarlyResponse) {
        guard let context, case .answering = state else { return }
        var head = response.head
        head.headerFields[.contentLength] = String(response.body?.readableBytes ?? 0)
        head.headerFields[.date] = HTTPDate.now()
        if let serverName { head.headerFields[.server] = serverName }
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if let body = response.body, body.readableBytes > 0 { context.write(wrapOutboundOut(.body(body)), promise: nil) }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        state = .idle
        let parts = held
        (held, heldBytes) = ([], 0)
        for part in parts { read(part, context: context) }
        if !parts.isEmpty { context.fireChannelReadComplete() }
        if deferredRead, !isAnswering {
            deferredRead = false
            context.read()
        }
    }

    private var isAnswering: Bool {
        if case .answering = state { true } else { false }
    }

    func read(context: ChannelHandlerContext) {
        if isAnswering, held.count >= Self.maximumHeldParts || heldBytes >= Self.maximumHeldBytes {
            deferredRead = true
        } else {
            context.read()
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        // A router response ending (a parse error's answer can end without a routed request: never below 0).
        if case .end = unwrapOutboundIn(data) { routedAwaitingResponse = max(0, routedAwaitingResponse - 1) }
        context.write(data, promise: promise)
    }
}

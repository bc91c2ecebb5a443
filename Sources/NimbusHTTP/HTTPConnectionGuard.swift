import Logging
import NIOCore
import NIOHTTP1

/// Sits right after the HTTP/1.1 decoder and bounds the time a connection may hold the server without
/// a request being served:
/// - the first request head must be complete `headTimeout` after the connection opened, a later one
///   `headTimeout` after its first byte; past it, `408` (or, if nothing came at all, a silent close);
/// - a kept-alive connection with no request is closed after `idleTimeout`, and so is one whose
///   request body stops arriving for that long;
/// - a head the decoder refuses is answered with `431` (too large) or `400` (malformed) and closed,
///   instead of the connection being left open with nothing more read.
///
/// While a request is being answered nothing is timed (that is the responder's business). A WebSocket
/// upgrade removes this handler, so open WebSockets are never cut by the keep-alive timeout.
final class HTTPConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    /// What the connection is waiting for, which decides what its deadline means.
    private enum Waiting {
        /// A request is being answered: no deadline.
        case response
        /// A head; `bytes` says whether any of it came (expiry then answers `408`).
        case head(bytes: Bool)
        /// The next request on a kept-alive connection, no byte of it yet (expiry closes quietly).
        case idle
        /// The rest of a request body (expiry closes).
        case body
        /// An answer to a bad or slow head was sent and the output closed; the input is drained until the
        /// client closes or the linger time ends.
        case closing
    }

    /// How long the input is drained after an error answer, so that the client reads the answer instead of
    /// a reset caused by unread bytes.
    static let linger: TimeAmount = .seconds(2)

    private let headTimeout: TimeAmount
    private let idleTimeout: TimeAmount
    private let logger: Logger
    private var waiting = Waiting.head(bytes: false)
    /// Requests whose head was read and whose response has not ended.
    private var unanswered = 0
    /// Whether the current request's end was not read yet.
    private var bodyOpen = false
    /// When the current wait ends, if it has a limit.
    private var deadline: NIODeadline?
    /// The one timer of the connection, and when it fires: at or before `deadline`, never after it.
    private var timer: Scheduled<Void>?
    private var timerDeadline: NIODeadline?
    /// Whether the reads since the last read-complete gave an HTTP part (so the bytes were not a new head).
    private var decodedSinceReadComplete = false

    init(limits: HTTPConnectionLimits, logger: Logger) {
        self.headTimeout = .init(limits.headTimeout)
        self.idleTimeout = .init(limits.idleTimeout)
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        wait(for: .head(bytes: false), within: headTimeout, context: context)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        stopTimer()
    }

    func channelInactive(context: ChannelHandlerContext) {
        stopTimer()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .closing = waiting { return }
        decodedSinceReadComplete = true
        switch unwrapInboundIn(data) {
        case .head:
            unanswered += 1
            bodyOpen = true
            wait(for: .body, within: idleTimeout, context: context)
        case .body:
            if bodyOpen { wait(for: .body, within: idleTimeout, context: context) }
        case .end:
            bodyOpen = false
            if unanswered > 0 {
                wait(for: .response, within: nil, context: context)
            } else {
                wait(for: .idle, within: idleTimeout, context: context)
            }
        }
        context.fireChannelRead(data)
    }

    /// Bytes came in: on an idle connection, bytes that gave no part start a head, which now has `headTimeout`
    /// to complete.
    func channelReadComplete(context: ChannelHandlerContext) {
        defer { decodedSinceReadComplete = false }
        switch waiting {
        case .idle: if !decodedSinceReadComplete { wait(for: .head(bytes: true), within: headTimeout, context: context) }
        case .head(bytes: false): waiting = .head(bytes: true)
        case .head(bytes: true), .response, .body, .closing: break
        }
        context.fireChannelReadComplete()
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data), unanswered > 0 {
            unanswered -= 1
            if unanswered == 0 {
                wait(for: bodyOpen ? .body : .idle, within: idleTimeout, context: context)
            }
        }
        context.write(data, promise: promise)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let parseError = error as? HTTPParserError else { return context.fireErrorCaught(error) }
        if case .closing = waiting { return }
        // The decoder reads nothing more after an error; answer it if no response is under way, else just close.
        if unanswered == 0, !bodyOpen {
            logger.debug("Refused a malformed HTTP request head", metadata: ["error.type": "\(parseError)"])
            if case .headerOverflow = parseError {
                answer(.requestHeaderFieldsTooLarge, context: context)
            } else {
                answer(.badRequest, context: context)
            }
        } else {
            context.close(promise: nil)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .closing = waiting, let event = event as? ChannelEvent, event == .inputClosed {
            context.close(promise: nil)
            return
        }
        // At shutdown a connection with no request under way closes now: a half-sent head would otherwise hold
        // the graceful shutdown until its timeout. Requests under way finish first (Hummingbird's state handler).
        if event is ChannelShouldQuiesceEvent, unanswered == 0 {
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    /// Starts waiting for `next`, for at most `timeout`. Each request moves the deadline three times, nearly always
    /// later by the same amount: instead of a timer cancelled and scheduled each time (an allocation and a heap
    /// update per move, 5 % of an event loop's time on the event PUT), the connection keeps one timer, moved only
    /// when a deadline comes earlier than it; when it fires before the deadline it is set again for the deadline.
    private func wait(for next: Waiting, within timeout: TimeAmount?, context: ChannelHandlerContext) {
        waiting = next
        guard let timeout else {
            deadline = nil
            return
        }
        let deadline = NIODeadline.now() + timeout
        self.deadline = deadline
        if let timerDeadline, timerDeadline <= deadline { return }
        startTimer(at: deadline, context: context)
    }

    private func startTimer(at deadline: NIODeadline, context: ChannelHandlerContext) {
        timer?.cancel()
        timerDeadline = deadline
        timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [self] in
            (timer, timerDeadline) = (nil, nil)
            guard let deadline = self.deadline else { return }
            if deadline <= .now() {
                self.deadline = nil
                expire(context: context)
            } else {
                startTimer(at: deadline, context: context)
            }
        }
    }

    private func stopTimer() {
        timer?.cancel()
        (timer, timerDeadline, deadline) = (nil, nil, nil)
    }

    private func expire(context: ChannelHandlerContext) {
        switch waiting {
        case .head(bytes: true):
            logger.debug("Closed an HTTP connection whose request head was too slow")
            answer(.requestTimeout, context: context)
        case .head(bytes: false), .idle, .body, .closing:
            context.close(promise: nil)
        case .response:
            break
        }
    }

    /// Sends `status` with `Connection: close`, closes the output, and drains the input for a short while.
    private func answer(_ status: HTTPResponseStatus, context: ChannelHandlerContext) {
        let head = HTTPResponseHead(version: .http1_1, status: status, headers: ["connection": "close", "content-length": "0"])
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        context.close(mode: .output, promise: nil)
        wait(for: .closing, within: Self.linger, context: context)
    }
}

import HTTPTypes
import NIOCore
import NIOEmbedded
import NIOHTTPTypes
import Synchronization
import Testing

@testable import NimbusHTTP

/// Takes `PUT /early`; declines a body `decline`; answers when the test says so.
private final class TestRoute: EarlyRoute {
    private let pending = Mutex<[@Sendable (@escaping @Sendable () -> EarlyResponse) -> Void]>([])
    private let bodies = Mutex<[String]>([])

    func wants(_ head: HTTPRequest) -> Bool { head.method == .put && head.path == "/early" }

    func answer(_ head: HTTPRequest, body: ByteBuffer, respond: @escaping @Sendable (@escaping @Sendable () -> EarlyResponse) -> Void) -> Bool {
        let text = String(buffer: body)
        guard text != "decline" else { return false }
        bodies.withLock { $0.append(text) }
        pending.withLock { $0.append(respond) }
        return true
    }

    /// Answers the oldest pending request with `status`.
    func answerNext(_ status: HTTPResponse.Status) {
        let respond = pending.withLock { $0.removeFirst() }
        respond { EarlyResponse(HTTPResponse(status: status), body: ByteBuffer(string: "early")) }
    }

    var taken: [String] { bodies.withLock { $0 } }
}

/// Counts the reads asked of the socket.
private final class ReadCounter: ChannelOutboundHandler {
    typealias OutboundIn = Never
    var reads = 0
    func read(context: ChannelHandlerContext) {
        reads += 1
        context.read()
    }
}

@Suite("Early routes: requests answered below the router")
struct EarlyRouteHandlerTests {
    fileprivate let route = TestRoute()

    private func channel(_ reads: ReadCounter = ReadCounter()) throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(reads)
        try channel.pipeline.syncOperations.addHandler(EarlyRouteHandler(routes: [route], serverName: "Nimbus"))
        return channel
    }

    private func send(_ channel: EmbeddedChannel, _ method: HTTPRequest.Method, _ path: String, body: String? = nil) throws {
        try channel.writeInbound(HTTPRequestPart.head(HTTPRequest(method: method, scheme: nil, authority: nil, path: path)))
        if let body { try channel.writeInbound(HTTPRequestPart.body(ByteBuffer(string: body))) }
        try channel.writeInbound(HTTPRequestPart.end(nil))
    }

    /// What reached the router, as `METHOD path` for heads, the text of bodies, and `end`.
    private func routed(_ channel: EmbeddedChannel) throws -> [String] {
        var parts: [String] = []
        while let part = try channel.readInbound(as: HTTPRequestPart.self) {
            switch part {
            case .head(let head): parts.append("\(head.method) \(head.path ?? "")")
            case .body(let body): parts.append(String(buffer: body))
            case .end: parts.append("end")
            }
        }
        return parts
    }

    /// The statuses of the complete responses written, in order.
    private func answered(_ channel: EmbeddedChannel) throws -> [Int] {
        var statuses: [Int] = []
        while let part = try channel.readOutbound(as: HTTPResponsePart.self) {
            if case .head(let head) = part { statuses.append(head.status.code) }
        }
        return statuses
    }

    @Test("an early request is answered with Date, Server and Content-Length and never reaches the router")
    func answered() throws {
        let channel = try channel()
        try send(channel, .put, "/early", body: "one")
        #expect(try routed(channel).isEmpty)
        route.answerNext(.noContent)
        channel.embeddedEventLoop.run()
        guard case .head(let head)? = try channel.readOutbound(as: HTTPResponsePart.self) else {
            Issue.record("no response head")
            return
        }
        #expect(head.status == .noContent)
        #expect(head.headerFields[.server] == "Nimbus")
        #expect(head.headerFields[.date]?.hasSuffix(" GMT") == true)
        #expect(head.headerFields[.contentLength] == "5")
        #expect(route.taken == ["one"])
    }

    @Test("a declined request, and one no route wants, reach the router unchanged")
    func declined() throws {
        let channel = try channel()
        try send(channel, .put, "/early", body: "decline")
        #expect(try routed(channel) == ["PUT /early", "decline", "end"])
        try channel.writeOutbound(HTTPResponsePart.end(nil))  // the router's answer
        try send(channel, .get, "/other")
        #expect(try routed(channel) == ["GET /other", "end"])
    }

    @Test("a request that asks to close the connection, or waits for 100 Continue, goes to the router")
    func closeAndExpect() throws {
        let channel = try channel()
        var closing = HTTPRequest(method: .put, scheme: nil, authority: nil, path: "/early")
        closing.headerFields[.connection] = "keep-alive, Close"
        try channel.writeInbound(HTTPRequestPart.head(closing))
        try channel.writeInbound(HTTPRequestPart.body(ByteBuffer(string: "closing")))
        try channel.writeInbound(HTTPRequestPart.end(nil))
        #expect(try routed(channel) == ["PUT /early", "closing", "end"])
        try channel.writeOutbound(HTTPResponsePart.end(nil))
        var expecting = HTTPRequest(method: .put, scheme: nil, authority: nil, path: "/early")
        expecting.headerFields[.expect] = "100-continue"
        try channel.writeInbound(HTTPRequestPart.head(expecting))
        #expect(try routed(channel) == ["PUT /early"])
        #expect(route.taken.isEmpty)
    }

    @Test("while the router owes a response, an early request goes to the router too, so answers stay in order")
    func orderAfterRouted() throws {
        let channel = try channel()
        try send(channel, .get, "/other")
        try send(channel, .put, "/early", body: "two")
        #expect(try routed(channel) == ["GET /other", "end", "PUT /early", "two", "end"])
        try channel.writeOutbound(HTTPResponsePart.end(nil))
        try channel.writeOutbound(HTTPResponsePart.end(nil))
        try send(channel, .put, "/early", body: "three")
        #expect(try routed(channel).isEmpty, "with nothing owed, the route takes it")
        #expect(route.taken == ["three"])
    }

    @Test("requests pipelined behind a pending answer are held, then offered in order; reads go on meanwhile")
    func pipelined() throws {
        let reads = ReadCounter()
        let channel = try channel(reads)
        try send(channel, .put, "/early", body: "first")
        try send(channel, .get, "/other")
        try send(channel, .put, "/early", body: "after")
        channel.read()
        #expect(reads.reads == 1, "a little held does not stop reading")
        #expect(try routed(channel).isEmpty)
        route.answerNext(.noContent)
        channel.embeddedEventLoop.run()
        #expect(try answered(channel) == [204])
        // The GET went to the router; the PUT behind it waits for the router's answer, so it is routed too.
        #expect(try routed(channel) == ["GET /other", "end", "PUT /early", "after", "end"])
        #expect(route.taken == ["first"])
    }

    @Test("past the bound of what is held behind a pending answer, reads stop until it is written")
    func heldBound() throws {
        let reads = ReadCounter()
        let channel = try channel(reads)
        try send(channel, .put, "/early", body: "first")
        let chunk = String(repeating: "x", count: 16 * 1024)
        for _ in 0..<(EarlyRouteHandler.maximumHeldBytes / chunk.utf8.count) { try send(channel, .post, "/other", body: chunk) }
        channel.read()
        #expect(reads.reads == 0, "no read while 64 KiB wait behind the answer")
        #expect(try routed(channel).isEmpty)
        route.answerNext(.noContent)
        channel.embeddedEventLoop.run()
        #expect(reads.reads == 1, "the deferred read, once answered")
        #expect(try answered(channel) == [204])
        #expect(try routed(channel).filter { $0 == "end" }.count == EarlyRouteHandler.maximumHeldBytes / chunk.utf8.count)
    }

    @Test("a body larger than an early route collects goes to the router whole")
    func largeBody() throws {
        let channel = try channel()
        let chunk = String(repeating: "x", count: EarlyRouteHandler.maximumBody / 2 + 1)
        try channel.writeInbound(HTTPRequestPart.head(HTTPRequest(method: .put, scheme: nil, authority: nil, path: "/early")))
        try channel.writeInbound(HTTPRequestPart.body(ByteBuffer(string: chunk)))
        try channel.writeInbound(HTTPRequestPart.body(ByteBuffer(string: chunk)))
        try channel.writeInbound(HTTPRequestPart.end(nil))
        #expect(try routed(channel) == ["PUT /early", chunk + chunk, "end"])
        #expect(route.taken.isEmpty)
    }
}

import HTTPTypes
import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1
import NIOWebSocket
// `WebSocketHandler.handle` (the frame loop with ping, close handshake and UTF-8 checks) is SPI that
// hummingbird-websocket uses for the same purpose; both packages are pinned to a minor version in
// Package.swift, since SPI may change in any release.
@_spi(WSInternal) import WSCore

/// HTTP/1.1 with WebSocket upgrades, like hummingbird-websocket's `HTTP1WebSocketUpgradeChannel`
/// with one difference that dialects need: a refused upgrade is answered with the response the
/// WebSocket router gave (a MODE `401` with its `reason` body, say), where the stock channel
/// answers every refusal with an empty `400`. WebSocket extensions (permessage-deflate) are not
/// negotiated. Connections are bounded by `HTTPConnectionLimits`: counted by source address as they are
/// accepted (past a limit they are closed at once), and timed by `HTTPConnectionGuard` until upgraded.
public struct HTTP1WebSocketChannel: ServerChildChannel, HTTPChannelHandler {
    typealias SocketHandler = @Sendable (NIOAsyncChannel<WebSocketFrame, WebSocketFrame>, Logger) async -> Void

    /// How the first request of a connection turned out.
    enum UpgradeResult: Sendable {
        case webSocket(NIOAsyncChannel<WebSocketFrame, WebSocketFrame>, SocketHandler, Logger)
        case http(NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>, refusal: Response?)
    }

    /// The WebSocket router's decision on an upgrade request.
    enum Admission: Sendable {
        case upgrade(HTTPFields, SocketHandler)
        case refuse(Response)
    }

    public struct Value: ServerChildChannelValue {
        /// `nil` for a connection refused by the connection limits.
        let upgradeResult: EventLoopFuture<UpgradeResult>?
        public let channel: any Channel
    }

    public let responder: HTTPChannelHandler.Responder
    let configuration: HTTP1WebSocketUpgradeChannel.Configuration
    let admit: @Sendable (HTTPRequest, any Channel, Logger) async -> Admission
    let limits: HTTPConnectionLimits
    let connections: HTTPConnectionCounter
    let earlyRoutes: [any EarlyRoute]
    let serverName: String?

    /// - Parameters:
    ///   - responder: the HTTP application's responder, for every request that is not an upgrade.
    ///   - webSocketResponder: decides upgrade requests; its routes come from `webSocket(_:admit:onUpgrade:)`.
    ///   - limits: timeouts and head size of every connection.
    ///   - connections: counts open connections against the limits (`limits.maximumConnections` is not read).
    ///   - earlyRoutes: routes answered below the router (`EarlyRoute`), with `serverName` in their `Server` field.
    public init<WebSocketResponder: HTTPResponder>(
        responder: @escaping HTTPChannelHandler.Responder,
        webSocketResponder: WebSocketResponder,
        configuration: HTTP1WebSocketUpgradeChannel.Configuration,
        limits: HTTPConnectionLimits,
        connections: HTTPConnectionCounter,
        earlyRoutes: [any EarlyRoute] = [],
        serverName: String? = nil
    ) where WebSocketResponder.Context == NimbusRequestContext {
        self.responder = responder
        self.configuration = configuration
        self.limits = limits
        self.connections = connections
        self.earlyRoutes = earlyRoutes
        self.serverName = serverName
        let socket = WebSocketHandler.Configuration(
            extensions: [], autoPing: configuration.ws.autoPing, closeTimeout: configuration.ws.closeTimeout,
            validateUTF8: configuration.ws.validateUTF8, maxFrameSize: configuration.ws.maxFrameSize)
        self.admit = { head, channel, logger in
            let request = Request(head: head, body: .init(buffer: ByteBuffer()))
            let context = NimbusRequestContext(source: .init(channel: channel, logger: logger))
            let response: Response
            do {
                response = try await webSocketResponder.respond(to: request, context: context)
            } catch let error as any HTTPResponseError {
                return .refuse((try? error.response(from: request, context: context)) ?? Response(status: error.status))
            } catch {
                return .refuse(Response(status: .internalServerError))
            }
            guard response.status == .ok, let admitted = context.webSocketUpgrade.take() else { return .refuse(response) }
            return .upgrade(response.headers) { asyncChannel, logger in
                do {
                    _ = try await WebSocketHandler.handle(
                        type: .server, configuration: socket, asyncChannel: asyncChannel,
                        context: WebSocketSession(request: request, requestContext: admitted.context), handler: admitted.handler)
                } catch {
                    logger.debug("WebSocket handler error", metadata: ["error.type": "\(error)"])
                }
            }
        }
    }

    public func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let source = HTTPConnectionCounter.sourceKey(channel.remoteAddress)
        if let refusal = connections.enter(source) {
            logger.debug("HTTP connection refused: too many open", metadata: ["net.peer": "\(source)", "limit": "\(refusal.rawValue)"])
            return channel.eventLoop.makeSucceededFuture(Value(upgradeResult: nil, channel: channel))
        }
        let connections = self.connections
        channel.closeFuture.whenComplete { _ in connections.leave(source) }
        return channel.eventLoop.makeCompletedFuture {
            let logger = Self.logger(logger, requestID: RequestID())
            let connectionGuard = HTTPConnectionGuard(limits: limits, logger: logger)
            let guardOnLoop = NIOLoopBound(connectionGuard, eventLoop: channel.eventLoop)
            // Written by the upgrader, read when the pipeline falls back to HTTP; both on the channel's loop.
            let refusal = NIOLoopBoundBox<Response?>(nil, eventLoop: channel.eventLoop)
            let admitted = NIOLoopBoundBox<SocketHandler?>(nil, eventLoop: channel.eventLoop)
            let upgrader = NIOTypedWebSocketServerUpgrader<UpgradeResult>(
                maxFrameSize: configuration.ws.maxFrameSize,
                shouldUpgrade: { channel, head in
                    let request: HTTPRequest
                    do {
                        request = try HTTPRequest(head, secure: false, splitCookie: false)
                    } catch {
                        return channel.eventLoop.makeFailedFuture(error)
                    }
                    let decision = channel.eventLoop.makePromise(of: Admission.self)
                    decision.completeWithTask { await admit(request, channel, logger) }
                    return decision.futureResult.map { admission -> HTTPHeaders? in
                        switch admission {
                        case .upgrade(let headers, let handler):
                            admitted.value = handler
                            // The upgrade removes the HTTP handlers; the guard goes first, as WebSocket bytes
                            // are no HTTP parts and an open WebSocket has no keep-alive timeout.
                            channel.pipeline.syncOperations.removeHandler(guardOnLoop.value, promise: nil)
                            return HTTPHeaders(headers)
                        case .refuse(let response):
                            refusal.value = response
                            return nil
                        }
                    }
                },
                upgradePipelineHandler: { channel, _ in
                    channel.eventLoop.makeCompletedFuture {
                        guard let handler = admitted.value else { throw ChannelError.inappropriateOperationForState }
                        let asyncChannel = try NIOAsyncChannel<WebSocketFrame, WebSocketFrame>(
                            wrappingChannelSynchronously: channel, configuration: .init(isOutboundHalfClosureEnabled: true))
                        return UpgradeResult.webSocket(asyncChannel, handler, logger)
                    }
                })
            let upgrade = NIOTypedHTTPServerUpgradeConfiguration(
                upgraders: [upgrader],
                notUpgradingCompletionHandler: { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(HTTP1ToHTTPServerCodec(secure: false))
                        try channel.pipeline.syncOperations.addHandlers(configuration.http1.additionalChannelHandlers())
                        try channel.pipeline.syncOperations.addHandler(
                            HTTPConnectionStateHandler(idleTimeout: configuration.http1.idleTimeout.map { .init($0) }, logger: logger))
                        if !earlyRoutes.isEmpty {
                            try channel.pipeline.syncOperations.addHandler(EarlyRouteHandler(routes: earlyRoutes, serverName: serverName))
                        }
                        let asyncChannel = try NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>(
                            wrappingChannelSynchronously: channel, configuration: .init(isOutboundHalfClosureEnabled: true))
                        return UpgradeResult.http(asyncChannel, refusal: refusal.value)
                    }
                })
            var pipeline = NIOUpgradableHTTPServerPipelineConfiguration<UpgradeResult>(upgradeConfiguration: upgrade)
            pipeline.enablePipelining = false  // NIOAsyncChannel serialises requests
            pipeline.enableErrorHandling = false  // Hummingbird's channel handler answers parse errors
            pipeline.enableResponseHeaderValidation = false  // HTTPTypes validated them already
            // The URL counts into the list size too, so this bounds the whole head.
            pipeline.decoderConfiguration.maxHeaderFieldSize = limits.maximumHeadSize
            pipeline.decoderConfiguration.maxHeaderListSize = limits.maximumHeadSize
            pipeline.decoderConfiguration.maxHeaderFieldCount = configuration.http1.httpDecoder.maxHeaderFieldCount
            let result = try channel.pipeline.syncOperations.configureUpgradableHTTPServerPipeline(configuration: pipeline)
            let decoder = try channel.pipeline.syncOperations.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self)
            try channel.pipeline.syncOperations.addHandler(connectionGuard, position: .after(decoder))
            return Value(upgradeResult: result, channel: channel)
        }
    }

    private static func logger(_ logger: Logger, requestID: RequestID) -> Logger {
        var logger = logger
        logger[metadataKey: "hb.request.id"] = .stringConvertible(requestID)
        return logger
    }

    public func handle(value: Value, logger: Logger) async {
        guard let upgradeResult = value.upgradeResult else {
            try? await value.channel.close()
            return
        }
        do {
            switch try await upgradeResult.get() {
            case .http(let http1, refusal: nil):
                await handleHTTP(asyncChannel: http1, logger: logger)
            case .http(let http1, refusal: let response?):
                await Self.writeRefusal(response, to: http1, logger: logger)
            case .webSocket(let asyncChannel, let handler, let logger):
                await handler(asyncChannel, logger)
            }
        } catch let error as ChannelError where error == .inputClosed {
            logger.trace("Upgrade failed as input was closed")
        } catch {
            logger.debug("Error handling upgrade result", metadata: ["error.type": "\(error)"])
        }
    }

    /// Answers a refused upgrade with the WebSocket router's response and closes the connection
    /// (the client expected a WebSocket, so it will not send another request on it).
    private static func writeRefusal(
        _ response: Response, to http1: NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>, logger: Logger
    ) async {
        var head = response.head
        head.headerFields[.connection] = "close"
        if let length = response.body.contentLength { head.headerFields[.contentLength] = String(length) }
        do {
            try await http1.executeThenClose { _, outbound in
                try await ResponseWriter(outbound: outbound).write(response: head, body: response.body)
            }
        } catch {
            logger.trace("Failed to write WebSocket refusal", metadata: ["error.type": "\(error)"])
        }
    }
}

extension HTTPServerBuilder {
    /// HTTP/1.1 with WebSocket upgrades decided by `webSocketRouter`, whose refusals reach the client
    /// as the router rendered them, with connections bounded by `limits` and counted by `connections`, and
    /// `earlyRoutes` answered below the router.
    public static func http1WebSockets<WebSocketRouter: HTTPResponderBuilder>(
        webSocketRouter: WebSocketRouter, configuration: HTTP1WebSocketUpgradeChannel.Configuration,
        limits: HTTPConnectionLimits, connections: HTTPConnectionCounter, earlyRoutes: [any EarlyRoute] = [], serverName: String? = nil
    ) -> HTTPServerBuilder where WebSocketRouter.Responder.Context == NimbusRequestContext {
        let webSocketResponder = webSocketRouter.buildResponder()
        return .init { responder in
            HTTP1WebSocketChannel(
                responder: responder, webSocketResponder: webSocketResponder, configuration: configuration, limits: limits,
                connections: connections, earlyRoutes: earlyRoutes, serverName: serverName)
        }
    }
}

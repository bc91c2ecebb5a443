import Hummingbird
import HTTPTypes
import HummingbirdWebSocket
import Logging
import Metrics
import NimbusCore
import NimbusHTTP
import NIOWebSocket
import ServiceLifecycle
import Synchronization

/// MODE's two WebSockets: a user's event stream and a device's command channel. Both forward what
/// the bus delivers to their topics, and close (1008) when their credential is revoked or when the
/// client reads too slowly for its bounded queue.
struct ModeWebSockets {
    let nimbus: Nimbus
    static let open = Gauge(label: "nimbus_websockets_connected")
    private static let openCount = Atomic<Int>(0)

    func addRoutes(to router: Router<NimbusRequestContext>) {
        router.webSocket("/mode/userSession/websocket", admit: admitUserStream) { inbound, outbound, session in
            let subscription = try nimbus.live.userEvents(of: session.requestContext.principal)
            try await Self.pump(subscription, inbound: inbound, outbound: outbound, logger: session.logger) { message in
                guard case .event(let event) = message else { return nil }
                return try ModeWire.json(ModeWire.Event(event))
            }
        }
        router.webSocket("/mode/devices/{deviceId}/command", admit: admitCommandChannel) { inbound, outbound, session in
            guard case .device(let deviceId, _) = session.requestContext.principal else { return }
            let subscription = try nimbus.live.deviceChannel(of: session.requestContext.principal)
            await nimbus.connections.connected(deviceId)
            defer { Task { await nimbus.connections.disconnected(deviceId) } }
            try await Self.pump(subscription, inbound: inbound, outbound: outbound, logger: session.logger) { message in
                guard case .command(let command) = message else { return nil }
                return try ModeWire.json(ModeWire.Command(command))
            }
        }
    }

    /// Plain HTTP requests to the WebSocket paths get the same credential checks as an upgrade, then
    /// `WEBSOCKET_REQUIRED`: a client learns first what is wrong with its credential.
    func addRefusals(to routes: ModeRoutes) {
        routes.open.get("userSession/websocket") { request, context -> Response in
            _ = try await admitUserStream(request, context)
            throw ModeError(.badRequest, "WEBSOCKET_REQUIRED")
        }
        routes.open.get("devices/{deviceId}/command") { request, context -> Response in
            _ = try await admitCommandChannel(request, context)
            throw ModeError(.badRequest, "WEBSOCKET_REQUIRED")
        }
    }

    /// A user's event stream needs a live session token.
    @Sendable func admitUserStream(_ request: Request, _ context: NimbusRequestContext) async throws -> HTTPFields {
        _ = try await nimbus.accounts.session(of: context.principal)
        return [:]
    }

    /// A device's command channel needs that device's own API key.
    @Sendable func admitCommandChannel(_ request: Request, _ context: NimbusRequestContext) async throws -> HTTPFields {
        _ = try await nimbus.devices.authorizeCommandChannel(try context.id("deviceId"), by: context.principal)
        return [:]
    }

    /// Forwards bus messages (rendered by `render`; `nil` skips one) until the client goes away,
    /// the credential is revoked, or the subscriber falls behind.
    static func pump(
        _ subscription: BusSubscription, inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter, logger: Logger,
        render: @escaping @Sendable (BusMessage) throws -> String?
    ) async throws {
        open.record(openCount.add(1, ordering: .relaxed).newValue)
        defer {
            subscription.cancel()
            open.record(openCount.subtract(1, ordering: .relaxed).newValue)
        }
        let shuttingDown = ShutdownFlag()
        try await withGracefulShutdownHandler {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await message in subscription.messages {
                        if message == .revoked {
                            try await outbound.close(.policyViolation, reason: "credential revoked")
                            return
                        }
                        if let text = try render(message) { try await outbound.write(.text(text)) }
                    }
                    if shuttingDown.isSet {
                        try await outbound.close(.goingAway, reason: "server shutting down")
                    } else if !Task.isCancelled {
                        // The stream ended without a revocation: the client fell too far behind.
                        logger.info("closing slow WebSocket client")
                        try await outbound.close(.policyViolation, reason: "too slow")
                    }
                }
                // Inbound frames are not part of MODE's protocol; reading them notices the close.
                group.addTask {
                    for try await _ in inbound.messages(maxSize: 1 << 16) {}
                }
                // Whichever side ends first (client gone, credential revoked, shutdown) ends the other.
                try await group.next()
                group.cancelAll()
            }
        } onGracefulShutdown: {
            shuttingDown.set()
            subscription.cancel()
        }
    }
}

/// Set once when the server begins a graceful shutdown, so that a socket closing then says why.
private final class ShutdownFlag: Sendable {
    private let flag = Atomic<Bool>(false)
    var isSet: Bool { flag.load(ordering: .relaxed) }
    func set() { flag.store(true, ordering: .relaxed) }
}

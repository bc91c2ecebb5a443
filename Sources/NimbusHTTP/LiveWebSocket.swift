import Hummingbird
import HummingbirdWebSocket
import Logging
import Metrics
import NimbusCore
import NIOWebSocket
import ServiceLifecycle
import Synchronization

/// Forwards a live subscription to a WebSocket client, for every dialect's streams: each bus message becomes
/// the frames `render` makes of it, until the client goes away, the credential is revoked (close 1008), the
/// client reads too slowly for its bounded queue (1008, "too slow"), or the server shuts down (1001).
public enum LiveWebSocket {
    static let open = Gauge(label: "nimbus_websockets_connected")
    private static let openCount = Atomic<Int>(0)

    /// - Parameters:
    ///   - greeting: frames sent first (a protocol's handshake).
    ///   - answer: the reply to a text frame from the client, if any (a protocol's pings); other frames are read
    ///     and dropped, which is how a close is noticed.
    ///   - render: the frames of one message (none to skip it).
    public static func pump(
        _ subscription: BusSubscription, inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter, logger: Logger,
        greeting: [String] = [], answer: @escaping @Sendable (String) -> String? = { _ in nil },
        render: @escaping @Sendable (BusMessage) async throws -> [String]
    ) async throws {
        open.record(openCount.add(1, ordering: .relaxed).newValue)
        defer {
            subscription.cancel()
            open.record(openCount.subtract(1, ordering: .relaxed).newValue)
        }
        let shuttingDown = ShutdownFlag()
        try await withGracefulShutdownHandler {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for frame in greeting { try await outbound.write(.text(frame)) }
                group.addTask {
                    for await message in subscription.messages {
                        if message == .revoked {
                            try await outbound.close(.policyViolation, reason: "credential revoked")
                            return
                        }
                        for frame in try await render(message) { try await outbound.write(.text(frame)) }
                    }
                    if shuttingDown.isSet {
                        try await outbound.close(.goingAway, reason: "server shutting down")
                    } else if !Task.isCancelled {
                        // The stream ended without a revocation: the client fell too far behind.
                        logger.info("closing slow WebSocket client")
                        try await outbound.close(.policyViolation, reason: "too slow")
                    }
                }
                group.addTask {
                    for try await message in inbound.messages(maxSize: 1 << 16) {
                        guard case .text(let text) = message, let reply = answer(text) else { continue }
                        try await outbound.write(.text(reply))
                    }
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

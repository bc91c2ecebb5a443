import Logging
import NIOCore
import NIOPosix
import NIOSSL
import ServiceLifecycle

/// Accepts MQTT connections on one TCP port, in the clear or with TLS, and serves each with `MQTTServer`.
///
/// Shaped like swift-nio's `NIOTCPEchoServer`, but without a task per connection: accepted channels come as an
/// async sequence, and each gets TLS, the framing decoder and an `MQTTInboxHandler` synchronously as it is accepted.
/// The handler feeds the connection's inbox, which runs the connection in short tasks while it has input (see
/// `MQTTConnectionInbox`), so an idle connection holds its state and socket but no task. `bind` opens the port
/// before the service runs, so a taken port stops start-up and the port is open once the server says it is ready.
/// Graceful shutdown closes the listening socket, then closes the open connections and waits for them.
public struct MQTTListener: Service {
    /// An accepted channel, its pipeline ready.
    struct Connection: Sendable {
        let channel: any Channel
        let inbox: MQTTConnectionInbox
    }

    let server: MQTTServer
    let listener: NIOAsyncChannel<Connection, Never>
    let isTLS: Bool
    let logger: Logger

    /// The port the listener is bound to (useful with port 0).
    public var port: Int? { listener.channel.localAddress?.port }

    /// Opens the port.
    /// - Parameter tls: serve TLS with this context (the `--mqtts-port` listener); `nil` for plain MQTT.
    public static func bind(
        server: MQTTServer, host: String, port: Int, tls: NIOSSLContext? = nil,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, logger: Logger
    ) async throws -> MQTTListener {
        let settings = server.settings
        let listener = try await ServerBootstrap(group: eventLoopGroup)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(.backlog, value: 1024)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            // Each channel keeps its receive buffer; starting small (NIO's default is 2 KiB) keeps an idle
            // connection small, and the adaptive allocator grows it for a client that sends a lot.
            .childChannelOption(.recvAllocator, value: AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 256, maximum: 65536))
            .bind(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    let inbox = server.makeInbox()
                    let pipeline = channel.pipeline.syncOperations
                    if let tls { try pipeline.addHandler(NIOSSLServerHandler(context: tls)) }
                    try pipeline.addHandler(
                        ByteToMessageHandler(
                            MQTTFrameDecoder(
                                maximumPacketSize: settings.maximumPacketSize,
                                maximumConnectPacketSize: settings.maximumConnectPacketSize)))
                    try pipeline.addHandler(MQTTInboxHandler(inbox: inbox))
                    return Connection(channel: channel, inbox: inbox)
                }
            }
        let bound = MQTTListener(server: server, listener: listener, isTLS: tls != nil, logger: logger)
        logger.info("MQTT listening", metadata: ["host": "\(host)", "port": "\(bound.port ?? port)", "tls": "\(tls != nil)"])
        return bound
    }

    public func run() async throws {
        do {
            try await withGracefulShutdownHandler {
                try await listener.executeThenClose { connections in
                    for try await connection in connections { start(connection) }
                }
            } onGracefulShutdown: {
                listener.channel.close(promise: nil)
            }
        } catch {
            await server.closeAll()
            throw error
        }
        // The listening socket is closed: end the connections still open, and wait until their sessions are stored.
        await server.closeAll()
    }

    private func start(_ connection: Connection) {
        let channel = connection.channel
        let peer = MQTTPeer(
            address: channel.remoteAddress.map(Self.describe), host: channel.remoteAddress?.ipAddress, isTLS: isTLS,
            transport: isTLS ? "tls" : "tcp")
        server.start(inbox: connection.inbox, writer: MQTTChannelWriter(channel: channel), peer: peer, eventLoop: channel.eventLoop) {
            channel.close(promise: nil)
        }
    }

    /// `"192.0.2.7:51234"` or `"[2001:db8::1]:51234"`.
    static func describe(_ address: SocketAddress) -> String {
        guard let ip = address.ipAddress, let port = address.port else { return "\(address)" }
        return address.protocol == .inet6 ? "[\(ip)]:\(port)" : "\(ip):\(port)"
    }
}

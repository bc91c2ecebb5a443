import Logging
import NIOCore
import NIOPosix
import NIOSSL
import ServiceLifecycle

/// Accepts MQTT connections on one TCP port, in the clear or with TLS, and serves each with `MQTTServer`.
///
/// Shaped like swift-nio's `NIOTCPEchoServer`: the child channel gets TLS and the framing codec synchronously as it
/// is accepted, is wrapped in a `NIOAsyncChannel`, and is served in a discarding task group. `bind` opens the port
/// before the service runs, so a taken port stops start-up and the port is open once the server says it is ready.
/// Graceful shutdown closes the listening socket, then ends the connections still open.
public struct MQTTListener: Service {
    typealias Connection = NIOAsyncChannel<MQTTFrame, MQTTFrame>

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
        let maximumPacketSize = server.settings.maximumPacketSize
        let listener = try await ServerBootstrap(group: eventLoopGroup)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(.backlog, value: 1024)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .bind(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    if let tls { try pipeline.addHandler(NIOSSLServerHandler(context: tls)) }
                    try pipeline.addHandler(ByteToMessageHandler(MQTTFrameDecoder(maximumPacketSize: maximumPacketSize)))
                    try pipeline.addHandler(MessageToByteHandler(MQTTFrameEncoder()))
                    return try Connection(wrappingChannelSynchronously: channel)
                }
            }
        let bound = MQTTListener(server: server, listener: listener, isTLS: tls != nil, logger: logger)
        logger.info("MQTT listening", metadata: ["host": "\(host)", "port": "\(bound.port ?? port)", "tls": "\(tls != nil)"])
        return bound
    }

    public func run() async throws {
        try await withGracefulShutdownHandler {
            try await withThrowingDiscardingTaskGroup { group in
                try await listener.executeThenClose { connections in
                    for try await connection in connections {
                        group.addTask { await serve(connection) }
                    }
                }
                // The listening socket is closed: end the connections still open.
                group.cancelAll()
            }
        } onGracefulShutdown: {
            listener.channel.close(promise: nil)
        }
    }

    private func serve(_ connection: Connection) async {
        let peer = MQTTPeer(
            address: connection.channel.remoteAddress.map(Self.describe), isTLS: isTLS, transport: isTLS ? "tls" : "tcp")
        let eventLoop = connection.channel.eventLoop
        do {
            try await connection.executeThenClose { inbound, outbound in
                await server.serve(inbound: inbound, writer: outbound, peer: peer, eventLoop: eventLoop)
            }
        } catch {
            logger.debug("MQTT connection closed with an error", metadata: ["error": "\(error)"])
        }
    }

    /// `"192.0.2.7:51234"` or `"[2001:db8::1]:51234"`.
    static func describe(_ address: SocketAddress) -> String {
        guard let ip = address.ipAddress, let port = address.port else { return "\(address)" }
        return address.protocol == .inet6 ? "[\(ip)]:\(port)" : "\(ip):\(port)"
    }
}

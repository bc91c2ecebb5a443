import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdWebSocket
import NIOCore
import NIOPosix
import NimbusHTTP
import NimbusMQTT

/// MQTT over WebSocket at `/mqtt` on the HTTP port (MQTT 5 §6, 3.1.1 §6): binary messages carry the MQTT byte
/// stream, the subprotocol is `mqtt` (`mqttv3.1` for old clients), and the connection is served by the same
/// `MQTTServer` as the TCP port.
enum MQTTWebSocketRoute {
    static let path: RouterPath = "/mqtt"

    static func add(to webSocketRouter: Router<NimbusRequestContext>, server: MQTTServer) {
        webSocketRouter.webSocket(path, admit: admit) { inbound, outbound, session in
            let bytes = inbound.map { frame throws -> ByteBuffer in
                // MQTT-6.0.0-1: anything but binary data closes the connection.
                guard frame.opcode != .text else { throw HTTPError(.badRequest, message: "MQTT needs binary WebSocket messages") }
                return frame.data
            }
            await server.serve(
                inbound: MQTTFrameSequence(
                    chunks: bytes, maximumPacketSize: server.settings.maximumPacketSize,
                    maximumConnectPacketSize: server.settings.maximumConnectPacketSize),
                writer: WebSocketFrameWriter(outbound: outbound),
                peer: MQTTPeer(
                    address: session.requestContext.remoteAddress, host: session.requestContext.remoteAddress, isTLS: false,
                    transport: "websocket"),
                eventLoop: MultiThreadedEventLoopGroup.singleton.any())
        }
    }

    /// Accepts the upgrade only for the MQTT subprotocol, and names it in the answer (MQTT-6.0.0-3, -4).
    @Sendable static func admit(_ request: Request, _ context: NimbusRequestContext) throws -> HTTPFields {
        let offered = request.headers[values: .secWebSocketProtocol]
            .flatMap { $0.split(separator: ",") }
            .map { $0.trimmingCharacters(in: .whitespaces) }
        guard let chosen = ["mqtt", "mqttv3.1"].first(where: offered.contains) else {
            throw HTTPError(.badRequest, message: "MQTT over WebSocket needs the subprotocol mqtt")
        }
        return [.secWebSocketProtocol: chosen]
    }
}

/// Writes a connection's packets as one binary WebSocket message per batch.
struct WebSocketFrameWriter: MQTTFrameWriter {
    let outbound: WebSocketOutboundWriter

    func write(_ frames: [MQTTFrame]) async throws {
        try await outbound.write(.binary(frames.encoded()))
    }
}

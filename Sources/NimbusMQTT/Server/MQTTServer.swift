import Logging
import NIOCore

/// The MQTT server independent of transport: the broker, the dialects' hooks and the shared limits. The TCP/TLS
/// listener (`MQTTListener`) and the WebSocket route at `/mqtt` both hand their connections to `serve`.
public struct MQTTServer: Sendable {
    public let broker: MQTTBroker
    /// Asked in order at CONNECT; the first that recognises the client's credentials keeps it.
    public let hooks: [any MQTTHooks]
    public let settings: MQTTServerSettings
    let gate: MQTTConnectionGate
    let logger: Logger

    public init(
        broker: MQTTBroker, hooks: [any MQTTHooks], settings: MQTTServerSettings, logger: Logger
    ) {
        self.broker = broker
        self.hooks = hooks
        self.settings = settings
        self.gate = MQTTConnectionGate(
            maximumConnections: settings.maximumConnections, connectionsPerSecond: settings.connectionsPerSecond)
        self.logger = logger
    }

    /// Serves one connection until it ends. `inbound` yields the client's frames (and throws
    /// `MQTTProtocolError` for a byte stream that cannot be framed); `eventLoop` runs the connection's timers.
    public func serve<Inbound: AsyncSequence & Sendable, Writer: MQTTFrameWriter>(
        inbound: Inbound, writer: Writer, peer: MQTTPeer, eventLoop: any EventLoop
    ) async where Inbound.Element == MQTTFrame {
        let refusal = gate.enter()
        defer { gate.leave() }
        var connection = MQTTConnection(
            broker: broker, hooks: hooks, settings: settings, peer: peer,
            eventLoop: eventLoop, writer: writer, refusal: refusal, logger: logger)
        await connection.run(inbound: inbound)
    }

    /// Connections open now, on every transport.
    public var openConnections: Int { gate.openConnections }
}

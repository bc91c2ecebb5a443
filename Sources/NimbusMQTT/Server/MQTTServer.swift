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
        self.gate = MQTTConnectionGate(settings: settings)
        self.logger = logger
    }

    /// Serves one connection whose frames come as an async sequence (MQTT over WebSocket) until it ends.
    /// `inbound` throws `MQTTProtocolError` for a byte stream that cannot be framed; `eventLoop` runs the
    /// connection's timers. Cancelling the calling task closes the connection (DISCONNECT 0x8B).
    public func serve<Inbound: AsyncSequence & Sendable, Writer: MQTTFrameWriter>(
        inbound: Inbound, writer: Writer, peer: MQTTPeer, eventLoop: any EventLoop
    ) async where Inbound.Element == MQTTFrame {
        let inbox = makeInbox()
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await Self.read(inbound, into: inbox) }
            await withTaskCancellationHandler {
                await withCheckedContinuation { ended in
                    start(inbox: inbox, writer: writer, peer: peer, eventLoop: eventLoop) { ended.resume() }
                }
            } onCancel: {
                inbox.signal(.shutdown)
            }
            group.cancelAll()
        }
    }

    /// Starts serving one connection whose transport puts the client's frames into `inbox`, and returns: the
    /// inbox runs the connection from then on. `onEnd` is called once it is over and its session stored; the
    /// transport is closed then.
    func start<Writer: MQTTFrameWriter>(
        inbox: MQTTConnectionInbox, writer: Writer, peer: MQTTPeer, eventLoop: any EventLoop,
        onEnd: @escaping @Sendable () -> Void
    ) {
        let (id, verdict) = gate.enter(inbox, host: peer.host)
        let refusal: MQTTReasonCode?
        switch verdict {
        case .admit: refusal = nil
        case .refuse(let code): refusal = code
        case .drop:
            logger.debug("MQTT connection dropped: too many from its address, or unauthenticated", metadata: ["mqtt.peer": "\(peer.address ?? "unknown")"])
            gate.leave(id)
            onEnd()
            return
        }
        inbox.whenAdmitted { [gate] in gate.authenticated(id) }
        let connection = MQTTConnection(
            broker: broker, hooks: hooks, settings: settings, peer: peer, inbox: inbox,
            eventLoop: eventLoop, writer: writer, refusal: refusal, logger: logger)
        connection.start { [gate] in
            gate.leave(id)
            onEnd()
        }
    }

    /// Asks every open connection to close (DISCONNECT 0x8B) and waits until all have ended.
    func closeAll() async {
        await gate.closeAll()
    }

    /// A connection's inbox, its mailbox as large as the broker's limits say.
    func makeInbox() -> MQTTConnectionInbox {
        MQTTConnectionInbox(mailboxSize: broker.limits.mailboxSize)
    }

    /// Moves frames from `inbound` into the inbox, pausing while the connection is behind.
    private static func read<Inbound: AsyncSequence>(_ inbound: Inbound, into inbox: MQTTConnectionInbox) async
    where Inbound.Element == MQTTFrame {
        do {
            for try await frame in inbound {
                if inbox.post(frame) { await inbox.drained() }
            }
            inbox.inputEnded()
        } catch {
            inbox.inputEnded(by: error)
        }
    }

    /// Connections open now, on every transport.
    public var openConnections: Int { gate.openConnections }
}

import DequeModule
import Logging
import NIOCore

/// Serves one client from CONNECT to the end of its connection, whatever carries it (TCP, TLS, WebSocket).
///
/// One drainer at a time owns all of the connection's state (see `start`). It takes the inputs from the
/// connection's inbox: frames from the client, events from the broker (the inbox is the session's mailbox) and its
/// own signals (a publication made durable, the keep-alive timer, shutdown). It handles each input to the end
/// before taking the next, so the state machine needs no lock and packets go out in the order the protocol decided
/// them. The protocol rules live in
/// `MQTTConnectionStateMachine`; this type carries out its actions: it asks the hooks, calls the broker and writes
/// frames.
struct MQTTConnection<Writer: MQTTFrameWriter>: Sendable {
    typealias Input = MQTTConnectionInbox.Input
    typealias Signal = MQTTConnectionInbox.Signal

    /// The admitted client and what its session needs when the connection ends.
    struct Admission {
        var client: MQTTClient
        var hooks: any MQTTHooks
        var connectionID: Int
        /// The will, without its Will Delay Interval (not a PUBLISH property), and that delay.
        var will: MQTTMessage?
        var willDelay: UInt32
        /// Seconds the session outlives the connection: 0 ends it, `UInt32.max` never.
        var sessionExpiry: UInt32
        /// The expiry as stored at CONNECT (0: not stored); DISCONNECT may change `sessionExpiry` later.
        var storedExpiry: UInt32
        /// 1.5 × the client's keep-alive, or `nil` when it asked for none.
        var keepAliveTimeout: TimeAmount?
    }

    /// At most this many inputs are handled before their packets are written.
    static var inputsPerWrite: Int { 64 }

    let broker: MQTTBroker
    let hooks: [any MQTTHooks]
    let settings: MQTTServerSettings
    let peer: MQTTPeer
    let inbox: MQTTConnectionInbox
    let eventLoop: any EventLoop
    let writer: Writer
    /// Set when the server is over a connection limit: the CONNECT is answered with this code.
    let refusal: MQTTReasonCode?
    /// The server's logger; `logger` adds this connection's metadata.
    let serverLogger: Logger

    var machine: MQTTConnectionStateMachine
    var admission: Admission?
    /// Frames decided while handling the current input, written together when it is done.
    var outgoing: [MQTTFrame] = []
    /// Set once a write failed (the peer went away): what it sent before still counts — a PUBACK or DISCONNECT
    /// already received must be handled — but nothing more is written.
    var outputFailed = false
    /// The client's publications not yet acknowledged, in arrival order (see `MQTTConnection+Publish.swift`).
    var publications = Deque<PendingPublication>()
    var handledSequences: Set<Int> = []
    var lastSequence = 0
    /// Publications decided `.route`, routed together by `routePending()`: a burst of PUBLISH costs one call into
    /// the broker, not one each.
    var routing: [(message: MQTTMessage, acknowledgement: MQTTPacket?)] = []
    var lastActivity = NIODeadline.now()
    var timer: Scheduled<Void>?

    init(
        broker: MQTTBroker, hooks: [any MQTTHooks], settings: MQTTServerSettings,
        peer: MQTTPeer, inbox: MQTTConnectionInbox,
        eventLoop: any EventLoop, writer: Writer, refusal: MQTTReasonCode?, logger: Logger
    ) {
        self.broker = broker
        self.hooks = hooks
        self.settings = settings
        self.peer = peer
        self.inbox = inbox
        self.eventLoop = eventLoop
        self.writer = writer
        self.refusal = refusal
        self.serverLogger = logger
        self.machine = MQTTConnectionStateMachine(
            limits: .init(
                topicAliasMaximum: settings.topicAliasMaximum, queueLimit: broker.limits.queueLimit,
                maximumInFlight: settings.maximumInFlight))
    }

    /// Serves the connection from now until either side ends it, then calls `onEnd` (the caller closes the
    /// transport then). Returns at once: no task waits on the connection's behalf. The inbox starts a drainer task
    /// whenever input arrives (`drain`), and between drains the connection's state is parked, so an idle
    /// connection holds no stack. A `.shutdown` signal in the inbox asks it to close.
    consuming func start(onEnd: @escaping @Sendable () -> Void) {
        schedule(at: .now() + TimeAmount(settings.connectTimeout))
        let inbox = self.inbox
        let parked = MQTTParkingSlot(self)
        inbox.start {
            Task {
                guard var connection = parked.take() else { return }
                if await connection.drain(park: parked.put) { onEnd() }
            }
        }
    }

    /// The server's logger with the connection's metadata, made when something is logged: kept in the
    /// connection, a logger with metadata of its own costs every open connection some 600 bytes.
    var logger: Logger {
        var logger = serverLogger
        logger[metadataKey: "mqtt.peer"] = .string(peer.address ?? "unknown")
        logger[metadataKey: "mqtt.transport"] = .string(peer.transport)
        if let admission { logger[metadataKey: "mqtt.client"] = .string(admission.client.name) }
        return logger
    }

    /// Handles what waits in the inbox, up to `inputsPerWrite` inputs before their packets are written together
    /// (a burst of deliveries costs one flush, not one each). Parks the state with `park` before each check for
    /// more, since a new drainer may start the moment `idleIfEmpty` says the inbox is empty.
    /// - Returns: true when the connection is over (and `finish` done).
    private mutating func drain(park: (Self) -> Void) async -> Bool {
        while true {
            var handled = 0
            while machine.state != .closed, handled < Self.inputsPerWrite, let input = inbox.poll() {
                await handle(input)
                handled += 1
            }
            await routePending()
            await flush()
            if machine.state == .closed {
                await finish()
                return true
            }
            park(self)
            if inbox.idleIfEmpty() { return false }
        }
    }

    private mutating func handle(_ input: Input) async {
        if case .frame(let frame) = input, frame.type == .subscribe || frame.type == .unsubscribe {
            // A client's own publications come before its new subscriptions (it must not see what it sent earlier).
            await routePending()
        }
        switch input {
        case .frame(let frame):
            await received(frame)
        case .endOfInput:
            if machine.state != .closed {
                logger.debug("MQTT client closed the connection")
                machine.connectionClosed()
            }
        case .unreadable(let error):
            logger.info("MQTT connection closed: bad packet", metadata: ["error": "\(error)"])
            await perform(machine.fail(error.reasonCode))
        case .broker(.deliver(let delivery)):
            await perform(machine.deliver(delivery))
        case .broker(.takenOver):
            logger.info("MQTT session taken over by a new connection")
            await perform(machine.fail(.sessionTakenOver))
        case .broker(.closeRequested(let reason)):
            logger.info("MQTT connection closed by the server", metadata: ["reason": "\(reason)"])
            await perform(machine.fail(reason))
        case .signal(.handled(let sequence)):
            if let oldest = publications.first, sequence >= oldest.sequence { handledSequences.insert(sequence) }
            await completeHandledPublications()
        case .signal(.timer):
            await timerFired()
        case .signal(.shutdown):
            logger.info("MQTT connection closed: server shutting down")
            // What the hooks are making durable is acknowledged first, so clients need not send it again.
            await completeAllPublications()
            await perform(machine.fail(.serverShuttingDown))
        }
    }

    private mutating func received(_ frame: MQTTFrame) async {
        lastActivity = .now()
        let packet: MQTTPacket
        do {
            packet = try MQTTPacket.decode(frame: frame, version: machine.version)
        } catch {
            let reason = (error as? MQTTProtocolError)?.reasonCode ?? .malformedPacket
            logger.info("MQTT connection closed: bad packet", metadata: ["packet": "\(frame.type)", "error": "\(error)"])
            if machine.state == .awaitingConnect, frame.type == .connect {
                refuseUnreadableConnect(frame, reason: reason)
            } else {
                await perform(machine.fail(reason))
            }
            return
        }
        if serverLogger.logLevel <= .trace {
            logger.trace("MQTT packet received", metadata: ["packet": "\(packet.packetType)"])
        }
        if case .disconnect(let disconnect) = packet, let expiry = disconnect.properties.sessionExpiryInterval,
            admission?.sessionExpiry != 0
        {
            // MQTT 5 lets a client change its session's lifetime on the way out (but not from 0, MQTT-3.14.2-2).
            admission?.sessionExpiry = expiry
        }
        await perform(machine.received(packet))
    }

    /// A CONNECT that cannot be parsed: answered in the CONNACK format of the version it names if that much can
    /// be read, else in 3.1.1's (as mosquitto does); a code that version cannot express closes silently.
    private mutating func refuseUnreadableConnect(_ frame: MQTTFrame, reason: MQTTReasonCode) {
        let version = (try? MQTTConnectPacket.protocolVersion(of: frame)) ?? .v3_1_1
        if let connAck = try? MQTTPacket.connAck(MQTTConnAckPacket(reasonCode: reason)).frame(version: version) {
            outgoing.append(connAck)
        }
        _ = machine.fail(reason)
    }

    /// Carries out the state machine's actions in order.
    mutating func perform(_ actions: [MQTTConnectionStateMachine.Action]) async {
        for action in actions {
            switch action {
            case .send(let packet):
                send(packet)
            case .authenticate(let connect):
                await authenticate(connect)
            case .publish(let message, let acknowledgement):
                await publish(message, acknowledgement: acknowledgement)
            case .subscribe(let packet):
                await subscribe(packet)
            case .unsubscribe(let packet):
                guard let admission else { continue }
                let unsubAck = await broker.unsubscribe(admission.client.sessionKey, packet)
                await storeSubscriptions()
                send(.unsubAck(unsubAck))
            case .close(let reason):
                if let reason, machine.version.hasProperties {
                    send(.disconnect(MQTTDisconnectPacket(reasonCode: reason)))
                }
            }
        }
    }

    /// Encodes `packet` for the connection's version into the frames written after this input.
    mutating func send(_ packet: MQTTPacket) {
        do {
            outgoing.append(try packet.frame(version: machine.version))
        } catch {
            // A refusal 3.1.1 cannot express (MQTT-3.2.2-6 wants the connection closed then), or a bug.
            logger.debug("MQTT packet not sendable; closing", metadata: ["packet": "\(packet.packetType)", "error": "\(error)"])
            _ = machine.fail(.implementationSpecificError)
        }
    }

    private mutating func flush() async {
        guard !outgoing.isEmpty else { return }
        let frames = outgoing
        outgoing.removeAll(keepingCapacity: true)
        guard !outputFailed else { return }
        do {
            try await writer.write(frames)
        } catch {
            logger.debug("MQTT write failed; reading what the client sent before it left", metadata: ["error": "\(error)"])
            outputFailed = true
        }
    }

    private mutating func timerFired() async {
        guard let admission else {
            if machine.state == .awaitingConnect {
                logger.info("MQTT connection closed: no CONNECT in time")
                await perform(machine.fail(.maximumConnectTime))
            }
            return
        }
        guard let timeout = admission.keepAliveTimeout else { return }
        let deadline = lastActivity + timeout
        if deadline <= .now() {
            logger.info("MQTT connection closed: keep-alive timeout")
            await perform(machine.fail(.keepAliveTimeout))
        } else {
            schedule(at: deadline)
        }
    }

    /// Arms the one timer of the connection; it only signals the loop, which decides.
    mutating func schedule(at deadline: NIODeadline) {
        timer?.cancel()
        let inbox = self.inbox
        timer = eventLoop.scheduleTask(deadline: deadline) { inbox.signal(.timer) }
    }

    /// Detaches from the session: what the client still is owed goes back to the broker (with the messages still
    /// in the inbox), the will is published unless the client said goodbye, and the hooks hear that the client left.
    private mutating func finish() async {
        timer?.cancel()
        machine.connectionClosed()
        for case .deliver(let delivery) in inbox.finish() where delivery.qos != .atMostOnce {
            _ = machine.deliver(delivery)
        }
        guard let admission else { return }
        // A drainer is never cancelled (shutdown is an input), so these writes are not cut short.
        await storeEndingSession()
        await broker.disconnect(
            admission.client.sessionKey, connectionID: admission.connectionID, outbound: machine.outbound,
            will: await brokerWill(machine.willPending ? admission.will : nil), willDelay: admission.willDelay,
            sessionExpiry: admission.sessionExpiry)
        await admission.hooks.disconnected(admission.client)
        logger.info("MQTT client disconnected")
    }
}

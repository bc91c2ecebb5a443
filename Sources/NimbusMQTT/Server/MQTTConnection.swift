import AsyncAlgorithms
import DequeModule
import Logging
import NIOCore

/// Serves one client from CONNECT to the end of its connection, whatever carries it (TCP, TLS, WebSocket).
///
/// One loop owns all of the connection's state. It waits on three sources at once: frames from the client, events
/// from the broker (the session's mailbox) and its own signals (a publication made durable, the keep-alive timer).
/// It handles each input to the end before taking the next, so the state machine needs no lock and packets go out
/// in the order the protocol decided them. The protocol rules live in `MQTTConnectionStateMachine`; this type
/// carries out its actions: it asks the hooks, calls the broker and writes frames.
struct MQTTConnection<Writer: MQTTFrameWriter> {
    /// What the loop waits for.
    enum Input: Sendable {
        case frame(MQTTFrame)
        /// The client closed its side: the connection is over (the merged inputs would wait for the others).
        case endOfInput
        case broker(MQTTBrokerEvent)
        case signal(Signal)
    }

    /// What the connection tells itself.
    enum Signal: Sendable {
        /// The hooks finished handling the publication with this sequence number.
        case handled(sequence: Int)
        /// The connect or keep-alive deadline may have passed.
        case timer
    }

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

    let broker: MQTTBroker
    let hooks: [any MQTTHooks]
    let settings: MQTTServerSettings
    let peer: MQTTPeer
    let eventLoop: any EventLoop
    let writer: Writer
    /// Set when the server is over a connection limit: the CONNECT is answered with this code.
    let refusal: MQTTReasonCode?
    var logger: Logger

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
    var lastActivity = NIODeadline.now()
    var timer: Scheduled<Void>?
    let mailbox: AsyncStream<MQTTBrokerEvent>.Continuation
    let mailboxEvents: AsyncStream<MQTTBrokerEvent>
    let signals: AsyncStream<Signal>.Continuation
    let signalStream: AsyncStream<Signal>

    init(
        broker: MQTTBroker, hooks: [any MQTTHooks], settings: MQTTServerSettings,
        peer: MQTTPeer,
        eventLoop: any EventLoop, writer: Writer, refusal: MQTTReasonCode?, logger: Logger
    ) {
        self.broker = broker
        self.hooks = hooks
        self.settings = settings
        self.peer = peer
        self.eventLoop = eventLoop
        self.writer = writer
        self.refusal = refusal
        self.logger = logger
        self.logger[metadataKey: "mqtt.peer"] = .string(peer.address ?? "unknown")
        self.logger[metadataKey: "mqtt.transport"] = .string(peer.transport)
        self.machine = MQTTConnectionStateMachine(
            limits: .init(
                topicAliasMaximum: settings.topicAliasMaximum, maximumQueuedMessages: settings.maximumQueuedMessages,
                maximumInFlight: settings.maximumInFlight))
        (mailboxEvents, mailbox) = broker.makeMailbox()
        (signalStream, signals) = AsyncStream.makeStream(of: Signal.self)
    }

    /// Serves the connection until either side ends it; never throws, since one connection's failure is
    /// nobody else's business. The caller closes the transport afterwards.
    mutating func run<Inbound: AsyncSequence & Sendable>(inbound: Inbound) async where Inbound.Element == MQTTFrame {
        schedule(at: .now() + TimeAmount(settings.connectTimeout))
        let inputs = merge(
            chain(inbound.map { @Sendable frame in Input.frame(frame) }, [Input.endOfInput].async),
            mailboxEvents.map { @Sendable event in Input.broker(event) },
            signalStream.map { @Sendable signal in Input.signal(signal) })
        do {
            for try await input in inputs {
                await handle(input)
                await flush()
                if machine.state == .closed { break }
            }
        } catch let error as MQTTProtocolError {
            // The framing decoder refused the byte stream (malformed header, packet too large).
            logger.info("MQTT connection closed: bad packet", metadata: ["error": "\(error)"])
            await perform(machine.fail(error.reasonCode))
            await flush()
        } catch {
            logger.debug("MQTT connection ended", metadata: ["error": "\(error)"])
        }
        await finish()
    }

    private mutating func handle(_ input: Input) async {
        switch input {
        case .frame(let frame):
            await received(frame)
        case .endOfInput:
            if machine.state != .closed {
                logger.debug("MQTT client closed the connection")
                machine.connectionClosed()
            }
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
        logger.trace("MQTT packet received", metadata: ["packet": "\(packet.packetType)"])
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
        let signals = self.signals
        timer = eventLoop.scheduleTask(deadline: deadline) { signals.yield(.timer) }
    }

    /// Detaches from the session: what the client still is owed goes back to the broker, the will is published
    /// unless the client said goodbye, and the hooks hear that the client left.
    private mutating func finish() async {
        timer?.cancel()
        mailbox.finish()
        signals.finish()
        machine.connectionClosed()
        guard let admission else { return }
        // In a task of its own: at shutdown the connection's task is cancelled, and the session must still be
        // stored and handed back (a cancelled store write would throw instead).
        let ending = self
        await Task {
            await ending.storeEndingSession()
            await ending.broker.disconnect(
                admission.client.sessionKey, connectionID: admission.connectionID, outbound: ending.machine.outbound,
                will: ending.machine.willPending ? admission.will : nil, willDelay: admission.willDelay,
                sessionExpiry: admission.sessionExpiry)
            await admission.hooks.disconnected(admission.client)
        }.value
        logger.info("MQTT client disconnected")
    }
}

/// The protocol logic of one MQTT connection, as a value: it turns what happened (a packet arrived,
/// the broker has a message for the client, the client was admitted) into what to do. It does no I/O,
/// so every rule of the flows (QoS 1 and 2 in both directions, topic aliases, Receive Maximum, the
/// will's fate, what may come when) is tested without a socket.
struct MQTTConnectionStateMachine: Sendable {
    /// What the connection must do, in order.
    enum Action: Sendable, Hashable {
        case send(MQTTPacket)
        /// Ask the hooks who the client is, then call `admitted` or send the refusal.
        case authenticate(MQTTConnectPacket)
        /// Hand the message to the broker; once it is durable, send `acknowledgement` (if any).
        case publish(MQTTMessage, acknowledgement: MQTTPacket?)
        case subscribe(MQTTSubscribePacket)
        case unsubscribe(MQTTUnsubscribePacket)
        /// Close the connection: with a DISCONNECT carrying `reason` first if the client speaks
        /// MQTT 5 and `reason` is given.
        case close(reason: MQTTReasonCode?)
    }

    enum State: Sendable, Hashable {
        case awaitingConnect
        case authenticating
        case connected
        case closed
    }

    struct Limits: Sendable, Hashable {
        /// The most topic aliases a client may set (MQTT 5), announced in CONNACK.
        var topicAliasMaximum: UInt16 = 32
        /// What one session may keep queued; beyond it the oldest are dropped.
        var queueLimit = MQTTQueueLimit()
        /// The most QoS 1/2 messages sent to the client and not yet acknowledged, whatever larger Receive
        /// Maximum the client announces: it bounds what a slow client holds in flight.
        var maximumInFlight = Int(UInt16.max)
    }

    private(set) var state = State.awaitingConnect
    private(set) var version = MQTTProtocolVersion.v3_1_1
    let limits: Limits
    /// Whether the will is published when the connection ends: false after a normal DISCONNECT.
    private(set) var willPending = false
    private(set) var outbound = MQTTOutboundState()
    /// The client's Receive Maximum: how many QoS 1/2 messages it takes unacknowledged.
    private var clientReceiveMaximum = Int(UInt16.max)
    /// The largest packet the client accepts (MQTT 5 Maximum Packet Size); `nil`: no limit but the protocol's.
    private var clientMaximumPacketSize: Int?
    /// QoS 2 messages received and acknowledged with PUBREC, waiting for PUBREL.
    private var receivedExactlyOnce: Set<UInt16> = []
    private var topicAliases: [UInt16: String] = [:]

    init(limits: Limits = Limits()) {
        self.limits = limits
    }

    /// A packet came from the client.
    mutating func received(_ packet: MQTTPacket) -> [Action] {
        switch (state, packet) {
        case (.awaitingConnect, .connect(let connect)):
            state = .authenticating
            version = connect.protocolVersion
            willPending = connect.will != nil
            clientReceiveMaximum = min(Int(connect.properties.receiveMaximum ?? UInt16.max), limits.maximumInFlight)
            clientMaximumPacketSize = connect.properties.maximumPacketSize.map(Int.init)
            return [.authenticate(connect)]
        case (.connected, .publish(let publish)):
            return receivedPublish(publish)
        case (.connected, .publishAck(let ack)):
            return receivedAcknowledgement(ack)
        case (.connected, .subscribe(let subscribe)):
            return [.subscribe(subscribe)]
        case (.connected, .unsubscribe(let unsubscribe)):
            return [.unsubscribe(unsubscribe)]
        case (.connected, .pingReq):
            return [.send(.pingResp)]
        case (.connected, .disconnect(let disconnect)):
            // MQTT-3.14.4-3: a normal DISCONNECT discards the will; MQTT 5 may ask to keep it.
            willPending = willPending && disconnect.reasonCode == .disconnectWithWillMessage
            state = .closed
            return [.close(reason: nil)]
        case (.closed, _):
            return []
        default:
            // A second CONNECT, anything before CONNECT, a server-to-client packet, or AUTH (no
            // enhanced authentication is offered): all protocol errors (MQTT-3.1.0-1, -3.1.0-2).
            return fail(.protocolError)
        }
    }

    /// The hooks admitted the client; `resumed` is the outbound state of the session it resumes.
    mutating func admitted(connAck: MQTTConnAckPacket, resumed: MQTTOutboundState?) -> [Action] {
        guard state == .authenticating else { return [] }
        state = .connected
        var actions: [Action] = [.send(.connAck(connAck))]
        if let resumed {
            outbound = resumed
            // MQTT-4.4.0-1: resend unacknowledged PUBLISH (with DUP) and PUBREL, in order.
            for (identifier, entry) in outbound.unacknowledged {
                switch entry.stage {
                case .awaitingAcknowledgement:
                    let publish = entry.delivery.packet(packetIdentifier: identifier, duplicate: true)
                    guard fitsClient(publish) else {
                        _ = outbound.complete(identifier)
                        continue
                    }
                    actions.append(.send(.publish(publish)))
                case .awaitingCompletion:
                    actions.append(.send(.publishAck(MQTTPublishAckPacket(kind: .pubRel, packetIdentifier: identifier))))
                }
            }
            actions += sendWaiting()
        }
        return actions
    }

    /// The hooks refused the client: answer with CONNACK and close.
    mutating func refused(connAck: MQTTConnAckPacket) -> [Action] {
        state = .closed
        willPending = false
        return [.send(.connAck(connAck)), .close(reason: nil)]
    }

    /// The broker has a message for the client.
    mutating func deliver(_ delivery: MQTTDelivery) -> [Action] {
        guard state == .connected || state == .authenticating else {
            outbound.enqueue(delivery, limit: limits.queueLimit)
            return []
        }
        if delivery.qos == .atMostOnce {
            let publish = delivery.packet(packetIdentifier: nil)
            guard state == .connected, !delivery.message.isExpired(), fitsClient(publish) else { return [] }
            return [.send(.publish(publish))]
        }
        outbound.enqueue(delivery, limit: limits.queueLimit)
        return state == .connected ? sendWaiting() : []
    }

    /// The connection ends (any reason): what the session keeps is `outbound`.
    mutating func connectionClosed() {
        state = .closed
    }

    /// Protocol violation: DISCONNECT with `reason` (MQTT 5) and close; the will is published.
    mutating func fail(_ reason: MQTTReasonCode) -> [Action] {
        let wasConnected = state == .connected
        state = .closed
        return [.close(reason: wasConnected ? reason : nil)]
    }

    /// A QoS 2 message the connection answered with a failing PUBREC: its flow ends there (no PUBREL follows),
    /// so its identifier is free again for a new message.
    mutating func refusedExactlyOnce(_ identifier: UInt16) {
        receivedExactlyOnce.remove(identifier)
    }

    private mutating func receivedPublish(_ publish: MQTTPublishPacket) -> [Action] {
        var topic = publish.topicName
        if let alias = publish.properties.topicAlias {
            guard alias != 0, alias <= limits.topicAliasMaximum else { return fail(.topicAliasInvalid) }
            if topic.isEmpty {
                guard let known = topicAliases[alias] else { return fail(.protocolError) }
                topic = known
            } else {
                topicAliases[alias] = topic
            }
        }
        let message = MQTTMessage(publish, topic: topic)
        switch (publish.qos, publish.packetIdentifier) {
        case (.atLeastOnce, let identifier?):
            return [.publish(message, acknowledgement: .publishAck(MQTTPublishAckPacket(kind: .pubAck, packetIdentifier: identifier)))]
        case (.exactlyOnce, let identifier?):
            let receipt = MQTTPacket.publishAck(MQTTPublishAckPacket(kind: .pubRec, packetIdentifier: identifier))
            // MQTT-4.3.3-10: a resent QoS 2 message is acknowledged again but not delivered twice.
            guard receivedExactlyOnce.insert(identifier).inserted else { return [.send(receipt)] }
            return [.publish(message, acknowledgement: receipt)]
        default:
            return [.publish(message, acknowledgement: nil)]
        }
    }

    private mutating func receivedAcknowledgement(_ ack: MQTTPublishAckPacket) -> [Action] {
        let identifier = ack.packetIdentifier
        switch ack.kind {
        case .pubAck, .pubComp:
            // An unknown identifier is ignored: it may answer a message resent after a reconnect.
            _ = outbound.complete(identifier)
            return sendWaiting()
        case .pubRec:
            if ack.reasonCode.rawValue >= 0x80 {
                // MQTT 5: the client refused the message; it is done.
                _ = outbound.complete(identifier)
                return sendWaiting()
            }
            let known = outbound.received(identifier)
            let release = MQTTPublishAckPacket(
                kind: .pubRel, packetIdentifier: identifier, reasonCode: known ? .success : .packetIdentifierNotFound)
            return [.send(.publishAck(release))]
        case .pubRel:
            let known = receivedExactlyOnce.remove(identifier) != nil
            let completion = MQTTPublishAckPacket(
                kind: .pubComp, packetIdentifier: identifier, reasonCode: known ? .success : .packetIdentifierNotFound)
            return [.send(.publishAck(completion))]
        }
    }

    private mutating func sendWaiting() -> [Action] {
        var actions: [Action] = []
        while let (identifier, delivery) = outbound.sendNext(receiveMaximum: clientReceiveMaximum) {
            let publish = delivery.packet(packetIdentifier: identifier)
            guard fitsClient(publish) else {
                _ = outbound.complete(identifier)
                continue
            }
            actions.append(.send(.publish(publish)))
        }
        return actions
    }

    /// Whether the client takes a PUBLISH this large. One it does not is dropped as if it had been delivered
    /// (MQTT-3.1.2-24, -25): it could never be, and keeping it would block the messages behind it.
    private func fitsClient(_ publish: MQTTPublishPacket) -> Bool {
        guard let maximum = clientMaximumPacketSize else { return true }
        guard let frame = try? MQTTPacket.publish(publish).frame(version: version) else { return false }
        return frame.encodedSize <= maximum
    }
}

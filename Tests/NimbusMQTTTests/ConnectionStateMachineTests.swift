import NIOCore
import Testing

@testable import NimbusMQTT

@Suite("Connection state machine")
struct ConnectionStateMachineTests {
    typealias Machine = MQTTConnectionStateMachine

    /// A machine past CONNECT and CONNACK for `version`.
    func connected(
        _ version: MQTTProtocolVersion = .v3_1_1, receiveMaximum: UInt16? = nil, maximumPacketSize: UInt32? = nil, will: Bool = false
    ) -> Machine {
        var machine = Machine()
        var properties = MQTTProperties()
        properties.receiveMaximum = receiveMaximum
        properties.maximumPacketSize = maximumPacketSize
        let connect = MQTTConnectPacket(
            protocolVersion: version, clientIdentifier: "c", will: will ? MQTTWill(topic: "w", payload: ByteBuffer(string: "gone")) : nil,
            properties: version == .v5 ? properties : .init())
        #expect(machine.received(.connect(connect)) == [.authenticate(connect)])
        #expect(machine.admitted(connAck: MQTTConnAckPacket(), resumed: nil) == [.send(.connAck(MQTTConnAckPacket()))])
        return machine
    }

    func delivery(_ qos: MQTTQoS, _ text: String = "x") -> MQTTDelivery {
        MQTTDelivery(message: MQTTMessage(topic: "t", payload: ByteBuffer(string: text), qos: qos), qos: qos, topic: "t", retain: false)
    }

    func ack(_ kind: MQTTPublishAckPacket.Kind, _ id: UInt16, _ reason: MQTTReasonCode = .success) -> MQTTPacket {
        .publishAck(MQTTPublishAckPacket(kind: kind, packetIdentifier: id, reasonCode: reason))
    }

    @Test("only CONNECT may come first, and only once")
    func connectFirst() {
        var machine = Machine()
        #expect(machine.received(.pingReq) == [.close(reason: nil)])
        #expect(machine.state == .closed)

        var again = connected(.v5)
        let connect = MQTTConnectPacket(protocolVersion: .v5, clientIdentifier: "c")
        #expect(again.received(.connect(connect)) == [.close(reason: .protocolError)])
    }

    @Test("QoS 1 and 2 from the client are acknowledged only through the publish action; a resent QoS 2 is not delivered twice")
    func inboundQoS() {
        var machine = connected()
        let qos1 = MQTTPublishPacket(topicName: "a", payload: ByteBuffer(string: "1"), qos: .atLeastOnce, packetIdentifier: 7)
        #expect(machine.received(.publish(qos1)) == [.publish(MQTTMessage(qos1, topic: "a"), acknowledgement: ack(.pubAck, 7))])

        let qos2 = MQTTPublishPacket(topicName: "a", payload: ByteBuffer(string: "2"), qos: .exactlyOnce, packetIdentifier: 8)
        #expect(machine.received(.publish(qos2)) == [.publish(MQTTMessage(qos2, topic: "a"), acknowledgement: ack(.pubRec, 8))])
        var resent = qos2
        resent.duplicate = true
        #expect(machine.received(.publish(resent)) == [.send(ack(.pubRec, 8))])
        #expect(machine.received(ack(.pubRel, 8)) == [.send(ack(.pubComp, 8))])
        #expect(machine.received(ack(.pubRel, 8)) == [.send(ack(.pubComp, 8, .packetIdentifierNotFound))])
        // After PUBCOMP the identifier is free again: the same id is a new message.
        #expect(machine.received(.publish(qos2)) == [.publish(MQTTMessage(qos2, topic: "a"), acknowledgement: ack(.pubRec, 8))])
    }

    @Test("outbound QoS 1 and 2 flows, with the client's Receive Maximum holding the rest back")
    func outboundQoS() throws {
        var machine = connected(.v5, receiveMaximum: 1)
        let first = delivery(.atLeastOnce, "first")
        #expect(machine.deliver(first) == [.send(.publish(first.packet(packetIdentifier: 1)))])
        let second = delivery(.exactlyOnce, "second")
        #expect(machine.deliver(second) == [], "one in flight is the client's maximum")
        #expect(machine.deliver(delivery(.atMostOnce, "now")) == [.send(.publish(delivery(.atMostOnce, "now").packet(packetIdentifier: nil)))])

        #expect(machine.received(ack(.pubAck, 1)) == [.send(.publish(second.packet(packetIdentifier: 2)))])
        #expect(machine.received(ack(.pubRec, 2)) == [.send(ack(.pubRel, 2))])
        #expect(machine.received(ack(.pubComp, 2)) == [])
        #expect(machine.outbound.isEmpty)
    }

    @Test("a message larger than the client's Maximum Packet Size is dropped as if delivered, at every QoS")
    func clientMaximumPacketSize() {
        var machine = connected(.v5, receiveMaximum: 1, maximumPacketSize: 64)
        let large = String(repeating: "x", count: 100)
        #expect(machine.deliver(delivery(.atMostOnce, large)) == [])
        #expect(machine.deliver(delivery(.atLeastOnce, large)) == [])
        #expect(machine.outbound.isEmpty, "not kept: it could never be sent")
        // The slot the dropped message took is free again: the next one goes out at once.
        let small = delivery(.exactlyOnce, "fits")
        let sent = machine.deliver(small)
        #expect(sent.count == 1)
        guard case .send(.publish(let publish))? = sent.first else {
            Issue.record("no PUBLISH sent: \(sent)")
            return
        }
        #expect(publish.payload == ByteBuffer(string: "fits"))
    }

    @Test("a resumed session resends unacknowledged PUBLISH with DUP, then PUBREL, in order")
    func resume() {
        var old = connected()
        _ = old.deliver(delivery(.exactlyOnce, "a"))
        _ = old.deliver(delivery(.atLeastOnce, "b"))
        _ = old.received(ack(.pubRec, 1))
        old.connectionClosed()

        var machine = Machine()
        _ = machine.received(.connect(MQTTConnectPacket(protocolVersion: .v3_1_1, clientIdentifier: "c", cleanStart: false)))
        let connAck = MQTTConnAckPacket(sessionPresent: true)
        #expect(machine.admitted(connAck: connAck, resumed: old.outbound) == [
            .send(.connAck(connAck)),
            .send(ack(.pubRel, 1)),
            .send(.publish(delivery(.atLeastOnce, "b").packet(packetIdentifier: 2, duplicate: true))),
        ])
    }

    @Test("topic aliases (MQTT 5): set, used, and refused when unknown or above the maximum")
    func topicAliases() {
        var machine = connected(.v5)
        var properties = MQTTProperties()
        properties.topicAlias = 3
        let setting = MQTTPublishPacket(topicName: "long/topic", payload: ByteBuffer(string: "1"), properties: properties)
        #expect(machine.received(.publish(setting)) == [.publish(MQTTMessage(setting, topic: "long/topic"), acknowledgement: nil)])
        let using = MQTTPublishPacket(topicName: "", payload: ByteBuffer(string: "2"), properties: properties)
        let actions = machine.received(.publish(using))
        guard case .publish(let message, _) = actions.first else { Issue.record("not published: \(actions)"); return }
        #expect(message.topic == "long/topic" && message.properties.topicAlias == nil)

        var unknown = connected(.v5)
        #expect(unknown.received(.publish(using)) == [.close(reason: .protocolError)])
        properties.topicAlias = 33
        var tooHigh = connected(.v5)
        #expect(tooHigh.received(.publish(MQTTPublishPacket(topicName: "a", payload: ByteBuffer(), properties: properties)))
            == [.close(reason: .topicAliasInvalid)])
    }

    @Test("the will survives a broken connection, not a normal DISCONNECT (unless MQTT 5 asks)")
    func will() {
        var broken = connected(will: true)
        #expect(broken.fail(.keepAliveTimeout) == [.close(reason: .keepAliveTimeout)])
        #expect(broken.willPending)

        var normal = connected(will: true)
        #expect(normal.received(.disconnect(MQTTDisconnectPacket())) == [.close(reason: nil)])
        #expect(!normal.willPending)

        var keep = connected(.v5, will: true)
        _ = keep.received(.disconnect(MQTTDisconnectPacket(reasonCode: .disconnectWithWillMessage)))
        #expect(keep.willPending)
    }

    @Test("a session's queue keeps the newest messages up to its limit")
    func queueLimit() {
        var machine = Machine(limits: .init(queueLimit: MQTTQueueLimit(messages: 2)))
        for text in ["1", "2", "3"] { _ = machine.deliver(delivery(.atLeastOnce, text)) }
        #expect(machine.outbound.dropped == 1)
        #expect(machine.outbound.waiting.map { String(buffer: $0.message.payload) } == ["2", "3"])
    }
}

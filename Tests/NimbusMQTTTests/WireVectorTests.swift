import NIOCore
import NimbusMQTT
import Testing

/// Byte-exact packets derived by hand from the specifications, checked in both directions.
@Suite("Wire vectors")
struct WireVectorTests {
    private static let mqtt = mqttString("MQTT")

    /// Decodes `bytes` to `packet` and encodes `packet` back to `bytes`.
    private func expectWire(
        _ bytes: [UInt8],
        _ packet: MQTTPacket,
        _ version: MQTTProtocolVersion,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        #expect(try decode(bytes, version: version) == packet, sourceLocation: sourceLocation)
        #expect(try encode(packet, version: version) == bytes, sourceLocation: sourceLocation)
    }

    @Test("CONNECT as mosquitto_pub -V mqttv311 -i pub1 sends it: clean session, keep alive 60")
    func mosquittoConnect() throws {
        let bytes: [UInt8] = [0x10, 0x10] + Self.mqtt + [0x04, 0x02, 0x00, 0x3C] + mqttString("pub1")
        try expectWire(bytes, .connect(MQTTConnectPacket(protocolVersion: .v3_1_1, clientIdentifier: "pub1")), .v3_1_1)
        #expect(try MQTTConnectPacket.protocolVersion(of: frame(bytes)) == .v3_1_1)
    }

    @Test("CONNECT in MQTT 3.1 names the protocol MQIsdp, level 3")
    func connect31() throws {
        let bytes: [UInt8] = [0x10, 0x12] + mqttString("MQIsdp") + [0x03, 0x02, 0x00, 0x3C] + mqttString("pub1")
        try expectWire(bytes, .connect(MQTTConnectPacket(protocolVersion: .v3_1, clientIdentifier: "pub1")), .v3_1)
    }

    @Test("CONNECT in MQTT 5 with Session Expiry Interval and Receive Maximum")
    func connect5() throws {
        let bytes: [UInt8] = [0x10, 0x16] + Self.mqtt + [0x05, 0x02, 0x00, 0x1E]
            + [0x08, 0x11, 0x00, 0x00, 0x00, 0x78, 0x21, 0x00, 0x14] + mqttString("c")
        var properties = MQTTProperties()
        properties.sessionExpiryInterval = 120
        properties.receiveMaximum = 20
        try expectWire(bytes, .connect(MQTTConnectPacket(protocolVersion: .v5, clientIdentifier: "c", keepAlive: 30, properties: properties)), .v5)
    }

    @Test("CONNECT with a retained QoS 1 will, user name and password (flags 0xEE)")
    func connectWithWill() throws {
        let bytes: [UInt8] = [0x10, 0x1C] + Self.mqtt + [0x04, 0xEE, 0x00, 0x3C] + mqttString("id")
            + mqttString("w") + mqttString("bye") + mqttString("u") + mqttString("p")
        let will = MQTTWill(topic: "w", payload: ByteBuffer(string: "bye"), qos: .atLeastOnce, retain: true)
        let packet = MQTTConnectPacket(
            protocolVersion: .v3_1_1,
            clientIdentifier: "id",
            will: will,
            username: "u",
            password: ByteBuffer(string: "p")
        )
        try expectWire(bytes, .connect(packet), .v3_1_1)
    }

    @Test("CONNACK: accepted, session present, refused not authorized, and MQTT 5")
    func connAck() throws {
        try expectWire([0x20, 0x02, 0x00, 0x00], .connAck(MQTTConnAckPacket()), .v3_1_1)
        try expectWire([0x20, 0x02, 0x01, 0x00], .connAck(MQTTConnAckPacket(sessionPresent: true)), .v3_1_1)
        try expectWire([0x20, 0x02, 0x00, 0x05], .connAck(MQTTConnAckPacket(reasonCode: .notAuthorized)), .v3_1_1)
        try expectWire([0x20, 0x03, 0x00, 0x00, 0x00], .connAck(MQTTConnAckPacket()), .v5)
        try expectWire([0x20, 0x03, 0x00, 0x87, 0x00], .connAck(MQTTConnAckPacket(reasonCode: .notAuthorized)), .v5)
    }

    @Test("PUBLISH: QoS 1 with packet identifier, retained QoS 0, and MQTT 5 with empty properties")
    func publish() throws {
        let qos1: [UInt8] = [0x32, 0x09] + mqttString("a/b") + [0x00, 0x0A] + Array("hi".utf8)
        let qos1Packet = MQTTPublishPacket(topicName: "a/b", payload: ByteBuffer(string: "hi"), qos: .atLeastOnce, packetIdentifier: 10)
        try expectWire(qos1, .publish(qos1Packet), .v3_1_1)
        let retained: [UInt8] = [0x31, 0x05] + mqttString("t") + Array("hi".utf8)
        try expectWire(retained, .publish(MQTTPublishPacket(topicName: "t", payload: ByteBuffer(string: "hi"), retain: true)), .v3_1_1)
        let v5: [UInt8] = [0x30, 0x06] + mqttString("t") + [0x00] + Array("hi".utf8)
        try expectWire(v5, .publish(MQTTPublishPacket(topicName: "t", payload: ByteBuffer(string: "hi"))), .v5)
    }

    @Test("a QoS 0 PUBLISH has no packet identifier: the bytes after the topic are payload")
    func qos0HasNoPacketIdentifier() throws {
        let packet = try decode([0x30, 0x05] + mqttString("t") + [0x00, 0x0A], version: .v3_1_1)
        #expect(packet == .publish(MQTTPublishPacket(topicName: "t", payload: ByteBuffer(bytes: [0x00, 0x0A]))))
    }

    @Test("PUBACK, PUBREC, PUBREL (flags 0b0010) and PUBCOMP")
    func publishAcknowledgements() throws {
        try expectWire([0x40, 0x02, 0x00, 0x0A], .publishAck(MQTTPublishAckPacket(kind: .pubAck, packetIdentifier: 10)), .v3_1_1)
        try expectWire([0x50, 0x02, 0x00, 0x0A], .publishAck(MQTTPublishAckPacket(kind: .pubRec, packetIdentifier: 10)), .v3_1_1)
        try expectWire([0x62, 0x02, 0x00, 0x0A], .publishAck(MQTTPublishAckPacket(kind: .pubRel, packetIdentifier: 10)), .v3_1_1)
        try expectWire([0x70, 0x02, 0x00, 0x0A], .publishAck(MQTTPublishAckPacket(kind: .pubComp, packetIdentifier: 10)), .v5)
        let noSubscribers = MQTTPacket.publishAck(MQTTPublishAckPacket(kind: .pubAck, packetIdentifier: 10, reasonCode: .noMatchingSubscribers))
        try expectWire([0x40, 0x04, 0x00, 0x0A, 0x10, 0x00], noSubscribers, .v5)
        #expect(try decode([0x40, 0x03, 0x00, 0x0A, 0x10], version: .v5) == noSubscribers, "the property length may be left out")
    }

    @Test("SUBSCRIBE, SUBACK, UNSUBSCRIBE and UNSUBACK")
    func subscriptions() throws {
        let subscription = MQTTSubscribePacket.Subscription(topicFilter: "a/+", options: .init(qos: .atLeastOnce))
        let subscribe = MQTTPacket.subscribe(MQTTSubscribePacket(packetIdentifier: 1, subscriptions: [subscription]))
        try expectWire([0x82, 0x08, 0x00, 0x01] + mqttString("a/+") + [0x01], subscribe, .v3_1_1)
        try expectWire([0x82, 0x09, 0x00, 0x01, 0x00] + mqttString("a/+") + [0x01], subscribe, .v5)
        let options = MQTTSubscriptionOptions(qos: .exactlyOnce, noLocal: true, retainAsPublished: true, retainHandling: .doNotSend)
        let rich = MQTTPacket.subscribe(MQTTSubscribePacket(packetIdentifier: 1, subscriptions: [.init(topicFilter: "a/+", options: options)]))
        try expectWire([0x82, 0x09, 0x00, 0x01, 0x00] + mqttString("a/+") + [0x2E], rich, .v5)

        try expectWire([0x90, 0x03, 0x00, 0x01, 0x01], .subAck(MQTTSubAckPacket(packetIdentifier: 1, reasonCodes: [.grantedQoS1])), .v3_1_1)
        try expectWire([0x90, 0x03, 0x00, 0x01, 0x80], .subAck(MQTTSubAckPacket(packetIdentifier: 1, reasonCodes: [.unspecifiedError])), .v3_1_1)
        try expectWire([0x90, 0x04, 0x00, 0x01, 0x00, 0x8F], .subAck(MQTTSubAckPacket(packetIdentifier: 1, reasonCodes: [.topicFilterInvalid])), .v5)

        let unsubscribe = MQTTPacket.unsubscribe(MQTTUnsubscribePacket(packetIdentifier: 2, topicFilters: ["a/+"]))
        try expectWire([0xA2, 0x07, 0x00, 0x02] + mqttString("a/+"), unsubscribe, .v3_1_1)
        try expectWire([0xB0, 0x02, 0x00, 0x02], .unsubAck(MQTTUnsubAckPacket(packetIdentifier: 2)), .v3_1_1)
        try expectWire([0xB0, 0x04, 0x00, 0x02, 0x00, 0x00], .unsubAck(MQTTUnsubAckPacket(packetIdentifier: 2, reasonCodes: [.success])), .v5)
    }

    @Test("PINGREQ, PINGRESP, DISCONNECT and AUTH")
    func shortPackets() throws {
        try expectWire([0xC0, 0x00], .pingReq, .v3_1_1)
        try expectWire([0xD0, 0x00], .pingResp, .v5)
        try expectWire([0xE0, 0x00], .disconnect(MQTTDisconnectPacket()), .v3_1_1)
        try expectWire([0xE0, 0x00], .disconnect(MQTTDisconnectPacket()), .v5)
        try expectWire([0xE0, 0x02, 0x8E, 0x00], .disconnect(MQTTDisconnectPacket(reasonCode: .sessionTakenOver)), .v5)
        #expect(try decode([0xE0, 0x01, 0x04], version: .v5) == .disconnect(MQTTDisconnectPacket(reasonCode: .disconnectWithWillMessage)))
        try expectWire([0xF0, 0x00], .auth(MQTTAuthPacket()), .v5)
    }
}

import NIOCore
import NimbusMQTT
import Testing

@Suite("Packet round trips")
struct PacketRoundTripTests {
    @Test("every packet decodes to what was encoded", arguments: MQTTProtocolVersion.allCases)
    func roundTrip(version: MQTTProtocolVersion) throws {
        for packet in SamplePackets.all(for: version) {
            let bytes = try encode(packet, version: version)
            #expect(try decode(bytes, version: version) == packet, "\(packet.packetType) in \(version)")
        }
    }

    @Test("the samples cover every packet type each version has", arguments: MQTTProtocolVersion.allCases)
    func coverage(version: MQTTProtocolVersion) {
        let covered = Set(SamplePackets.all(for: version).map(\.packetType))
        let expected = Set(MQTTPacketType.allCases).subtracting(version == .v5 ? [] : [.auth])
        #expect(covered == expected)
    }

    @Test("MQTT 5 properties survive in wire order, repeatable ones included")
    func propertyOrder() throws {
        let packet = SamplePackets.all(for: .v5).compactMap { packet -> MQTTUnsubscribePacket? in
            if case .unsubscribe(let unsubscribe) = packet { unsubscribe } else { nil }
        }.first
        let decoded = try decode(try encode(.unsubscribe(#require(packet)), version: .v5), version: .v5)
        guard case .unsubscribe(let unsubscribe) = decoded else {
            Issue.record("decoded \(decoded.packetType)")
            return
        }
        #expect(unsubscribe.properties.userProperties.map(\.name) == ["b", "a", "b"])
        #expect(unsubscribe.properties.userProperties.map(\.value) == ["2", "1", "3"])
    }

    @Test("encoding for 3.1.1 drops what it cannot express: properties and reason codes")
    func downgrade() throws {
        var properties = MQTTProperties()
        properties.userProperties = [.init(name: "k", value: "v")]
        properties.messageExpiryInterval = 10
        let publish = MQTTPublishPacket(
            topicName: "t",
            payload: ByteBuffer(string: "x"),
            qos: .atLeastOnce,
            packetIdentifier: 9,
            properties: properties
        )
        #expect(try encode(.publish(publish), version: .v3_1_1) == [0x32, 0x06] + mqttString("t") + [0x00, 0x09, 0x78])

        let ack = MQTTPublishAckPacket(kind: .pubAck, packetIdentifier: 9, reasonCode: .notAuthorized)
        #expect(try encode(.publishAck(ack), version: .v3_1_1) == [0x40, 0x02, 0x00, 0x09])
        let subAck = MQTTSubAckPacket(packetIdentifier: 1, reasonCodes: [.grantedQoS1, .notAuthorized, .topicFilterInvalid])
        #expect(try encode(.subAck(subAck), version: .v3_1_1) == [0x90, 0x05, 0x00, 0x01, 0x01, 0x80, 0x80])
        #expect(try encode(.disconnect(MQTTDisconnectPacket(reasonCode: .serverShuttingDown)), version: .v3_1_1) == [0xE0, 0x00])
        let unsubAck = MQTTUnsubAckPacket(packetIdentifier: 3, reasonCodes: [.noSubscriptionExisted])
        #expect(try encode(.unsubAck(unsubAck), version: .v3_1_1) == [0xB0, 0x02, 0x00, 0x03])
    }

    @Test("CONNACK refusals map to 3.1.1 return codes, and codes without one cannot be encoded")
    func connAckDowngrade() throws {
        let cases: [(MQTTReasonCode, UInt8)] = [
            (.unsupportedProtocolVersion, 1), (.clientIdentifierNotValid, 2), (.serverUnavailable, 3), (.serverBusy, 3),
            (.badUserNameOrPassword, 4), (.notAuthorized, 5), (.banned, 5),
        ]
        for (code, returnCode) in cases {
            #expect(try encode(.connAck(MQTTConnAckPacket(reasonCode: code)), version: .v3_1_1) == [0x20, 0x02, 0x00, returnCode])
        }
        #expect(throws: MQTTProtocolError.invalidReasonCode(.malformedPacket, .connAck)) {
            try encode(.connAck(MQTTConnAckPacket(reasonCode: .malformedPacket)), version: .v3_1_1)
        }
        let sessionPresent = MQTTPacket.connAck(MQTTConnAckPacket(sessionPresent: true))
        #expect(try encode(sessionPresent, version: .v3_1) == [0x20, 0x02, 0x00, 0x00], "3.1 has no session present flag")
    }

    @Test("encoding refuses packets the spec forbids")
    func encodingChecks() {
        let payload = ByteBuffer(string: "x")
        #expect(throws: MQTTProtocolError.invalidPacketIdentifier(.publish)) {
            try encode(.publish(MQTTPublishPacket(topicName: "t", payload: payload, qos: .atMostOnce, packetIdentifier: 1)), version: .v5)
        }
        #expect(throws: MQTTProtocolError.invalidPacketIdentifier(.publish)) {
            try encode(.publish(MQTTPublishPacket(topicName: "t", payload: payload, qos: .atLeastOnce)), version: .v5)
        }
        #expect(throws: MQTTProtocolError.invalidPacketIdentifier(.pubAck)) {
            try encode(.publishAck(MQTTPublishAckPacket(kind: .pubAck, packetIdentifier: 0)), version: .v5)
        }
        #expect(throws: MQTTProtocolError.invalidTopicName("a/#")) {
            try encode(.publish(MQTTPublishPacket(topicName: "a/#", payload: payload)), version: .v5)
        }
        #expect(throws: MQTTProtocolError.invalidPacketType(15)) { try encode(.auth(MQTTAuthPacket()), version: .v3_1_1) }
        #expect(throws: MQTTProtocolError.missingPayload(.subscribe)) {
            try encode(.subscribe(MQTTSubscribePacket(packetIdentifier: 1, subscriptions: [])), version: .v5)
        }
        var properties = MQTTProperties()
        properties.assignedClientIdentifier = "x"
        #expect(throws: MQTTProtocolError.propertyNotAllowed(.assignedClientIdentifier, .packet(.publish))) {
            try encode(.publish(MQTTPublishPacket(topicName: "t", payload: payload, properties: properties)), version: .v5)
        }
        let longTopic = String(repeating: "a", count: 70_000)
        let topicError = protocolError { _ = try encode(.publish(MQTTPublishPacket(topicName: longTopic, payload: payload)), version: .v5) }
        #expect(topicError == .invalidTopicName(longTopic))
        #expect(topicError.map { String(describing: $0).count < 200 } == true, "descriptions abbreviate long topics")
        var longReason = MQTTProperties()
        longReason.reasonString = String(repeating: "r", count: 70_000)
        #expect(throws: MQTTProtocolError.valueTooLong(byteCount: 70_000)) {
            try encode(.publishAck(MQTTPublishAckPacket(kind: .pubAck, packetIdentifier: 1, properties: longReason)), version: .v5)
        }
        #expect(throws: MQTTProtocolError.invalidReasonCode(.noMatchingSubscribers, .pubRel)) {
            try encode(.publishAck(MQTTPublishAckPacket(kind: .pubRel, packetIdentifier: 1, reasonCode: .noMatchingSubscribers)), version: .v5)
        }
    }
}

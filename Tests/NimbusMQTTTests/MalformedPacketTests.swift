import NIOCore
import NimbusMQTT
import Testing

/// Every malformed or forbidden packet the spec asks a server to reject, with the reason code it answers with.
@Suite("Malformed packets")
struct MalformedPacketTests {
    /// A CONNECT with the given protocol name, level, flags and payload fields.
    private static func connect(name: String = "MQTT", level: UInt8 = 4, flags: UInt8, properties: [UInt8]? = nil, payload: [UInt8]) -> [UInt8] {
        let body = mqttString(name) + [level, flags, 0x00, 0x3C] + (properties ?? (level == 5 ? [0x00] : [])) + payload
        return [0x10, UInt8(body.count)] + body
    }

    private func expectError(
        _ bytes: [UInt8],
        _ version: MQTTProtocolVersion,
        _ expected: MQTTProtocolError,
        _ reasonCode: MQTTReasonCode,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let error = protocolError({ _ = try decode(bytes, version: version) }, sourceLocation: sourceLocation)
        #expect(error == expected, sourceLocation: sourceLocation)
        #expect(error?.reasonCode == reasonCode, sourceLocation: sourceLocation)
    }

    @Test("strings must be well-formed UTF-8 without U+0000")
    func utf8() {
        expectError(Self.connect(flags: 0x02, payload: [0x00, 0x02, 0xC3, 0x28]), .v3_1_1, .invalidUTF8String, .malformedPacket)
        expectError(Self.connect(flags: 0x02, payload: [0x00, 0x03, 0xED, 0xA0, 0x80]), .v3_1_1, .invalidUTF8String, .malformedPacket)  // a surrogate
        expectError(Self.connect(flags: 0x02, payload: [0x00, 0x02, 0x61, 0x00]), .v3_1_1, .invalidUTF8String, .malformedPacket)
        expectError([0x30, 0x04, 0x00, 0x02, 0x61, 0x00], .v5, .invalidUTF8String, .malformedPacket)
    }

    @Test("CONNECT: reserved flag, will flags, password without user name")
    func connectFlags() throws {
        let id = mqttString("c")
        expectError(Self.connect(flags: 0x03, payload: id), .v3_1_1, .reservedBitsSet(.connect), .malformedPacket)
        let willPayload = id + mqttString("w") + mqttString("x")
        expectError(Self.connect(flags: 0x1E, payload: willPayload), .v3_1_1, .invalidQoS(3), .malformedPacket)
        expectError(Self.connect(flags: 0x22, payload: id), .v3_1_1, .invalidWillFlags, .malformedPacket)
        expectError(Self.connect(flags: 0x0A, payload: id), .v3_1_1, .invalidWillFlags, .malformedPacket)
        expectError(Self.connect(flags: 0x42, payload: id + mqttString("pw")), .v3_1_1, .passwordWithoutUsername, .malformedPacket)
        let passwordOnly31 = Self.connect(name: "MQIsdp", level: 3, flags: 0x42, payload: id + mqttString("pw"))
        expectError(passwordOnly31, .v3_1, .passwordWithoutUsername, .malformedPacket)

        let tokenOnly = try decode(Self.connect(level: 5, flags: 0x42, payload: id + mqttString("token")), version: .v5)
        let expected = MQTTConnectPacket(protocolVersion: .v5, clientIdentifier: "c", password: ByteBuffer(string: "token"))
        #expect(tokenOnly == .connect(expected), "MQTT 5 allows a password alone")
        let wildcardWill = Self.connect(flags: 0x06, payload: id + mqttString("a/#") + mqttString("x"))
        expectError(wildcardWill, .v3_1_1, .invalidTopicName("a/#"), .topicNameInvalid)
    }

    @Test("CONNECT: client identifier rules per version")
    func clientIdentifier() throws {
        let empty = mqttString("")
        expectError(Self.connect(flags: 0x00, payload: empty), .v3_1_1, .clientIdentifierNotValid, .clientIdentifierNotValid)
        expectError(Self.connect(name: "MQIsdp", level: 3, flags: 0x02, payload: empty), .v3_1, .clientIdentifierNotValid, .clientIdentifierNotValid)
        #expect(MQTTProtocolError.clientIdentifierNotValid.reasonCode.connectReturnCode == 2)
        #expect(try decode(Self.connect(flags: 0x02, payload: empty), version: .v3_1_1)
            == .connect(MQTTConnectPacket(protocolVersion: .v3_1_1, clientIdentifier: "")))
        #expect(try decode(Self.connect(level: 5, flags: 0x00, payload: empty), version: .v5)
            == .connect(MQTTConnectPacket(protocolVersion: .v5, clientIdentifier: "", cleanStart: false)))
    }

    @Test("CONNECT: unsupported protocol names and levels", arguments: [("MQTT", UInt8(3)), ("MQTT", 6), ("MQIsdp", 4), ("HTTP", 4)])
    func unsupportedProtocol(name: String, level: UInt8) throws {
        let bytes = Self.connect(name: name, level: level, flags: 0x02, properties: [], payload: mqttString("c"))
        let error = protocolError { _ = try MQTTConnectPacket.protocolVersion(of: frame(bytes)) }
        #expect(error == .unsupportedProtocolVersion(name: name, level: level))
        #expect(error?.reasonCode == .unsupportedProtocolVersion)
        #expect(error?.reasonCode.connectReturnCode == 1, "3.1.1 return code 1: unacceptable protocol version")
        expectError(bytes, .v5, .unsupportedProtocolVersion(name: name, level: level), .unsupportedProtocolVersion)
    }

    @Test("CONNACK: reserved acknowledge flags and unknown return codes")
    func connAck() {
        expectError([0x20, 0x02, 0x02, 0x00], .v3_1_1, .reservedBitsSet(.connAck), .malformedPacket)
        expectError([0x20, 0x02, 0x00, 0x06], .v3_1_1, .invalidReasonCode(MQTTReasonCode(rawValue: 6), .connAck), .protocolError)
        expectError([0x20, 0x03, 0x00, 0x10, 0x00], .v5, .invalidReasonCode(.noMatchingSubscribers, .connAck), .protocolError)
    }

    @Test("PUBLISH: QoS 3, DUP on QoS 0, packet identifier 0, wildcards and empty topics")
    func publish() throws {
        expectError([0x36, 0x05, 0x00, 0x01, 0x74, 0x00, 0x01], .v3_1_1, .invalidQoS(3), .malformedPacket)
        expectError([0x38, 0x03, 0x00, 0x01, 0x74], .v3_1_1, .invalidFixedHeaderFlags(.publish, flags: 0x08), .malformedPacket)
        expectError([0x32, 0x05, 0x00, 0x01, 0x74, 0x00, 0x00], .v3_1_1, .invalidPacketIdentifier(.publish), .protocolError)
        for topic in ["a/+", "a/#", "#", "+"] {
            expectError([0x30, UInt8(2 + topic.utf8.count)] + mqttString(topic), .v3_1_1, .invalidTopicName(topic), .topicNameInvalid)
        }
        expectError([0x30, 0x02, 0x00, 0x00], .v3_1_1, .invalidTopicName(""), .topicNameInvalid)
        expectError([0x30, 0x03, 0x00, 0x00, 0x00], .v5, .invalidTopicAlias, .topicAliasInvalid)
        expectError([0x30, 0x06, 0x00, 0x00, 0x03, 0x23, 0x00, 0x00], .v5, .invalidTopicAlias, .topicAliasInvalid)
        let aliased = try decode([0x30, 0x06, 0x00, 0x00, 0x03, 0x23, 0x00, 0x07], version: .v5)
        guard case .publish(let publish) = aliased else {
            Issue.record("decoded \(aliased.packetType)")
            return
        }
        #expect(publish.topicName.isEmpty && publish.properties.topicAlias == 7, "MQTT 5 lets a Topic Alias stand for the topic")
    }

    @Test("SUBSCRIBE: no filters, reserved option bits, QoS 3, Retain Handling 3, identifier 0")
    func subscribe() {
        let filter = mqttString("a")
        expectError([0x82, 0x02, 0x00, 0x01], .v3_1_1, .missingPayload(.subscribe), .protocolError)
        expectError([0x82, 0x03, 0x00, 0x01, 0x00], .v5, .missingPayload(.subscribe), .protocolError)
        expectError([0x82, 0x06, 0x00, 0x01] + filter + [0x04], .v3_1_1, .reservedBitsSet(.subscribe), .malformedPacket)
        expectError([0x82, 0x07, 0x00, 0x01, 0x00] + filter + [0x40], .v5, .reservedBitsSet(.subscribe), .malformedPacket)
        expectError([0x82, 0x06, 0x00, 0x01] + filter + [0x03], .v3_1_1, .invalidQoS(3), .malformedPacket)
        expectError([0x82, 0x07, 0x00, 0x01, 0x00] + filter + [0x03], .v5, .invalidSubscriptionOptions(0x03), .protocolError)
        expectError([0x82, 0x07, 0x00, 0x01, 0x00] + filter + [0x30], .v5, .invalidSubscriptionOptions(0x30), .protocolError)
        expectError([0x82, 0x06, 0x00, 0x00] + filter + [0x00], .v3_1_1, .invalidPacketIdentifier(.subscribe), .protocolError)
    }

    @Test("UNSUBSCRIBE, SUBACK and the acknowledgements: empty lists, identifier 0, codes in the wrong packet")
    func acknowledgements() {
        expectError([0xA2, 0x02, 0x00, 0x01], .v3_1_1, .missingPayload(.unsubscribe), .protocolError)
        expectError([0x90, 0x02, 0x00, 0x01], .v3_1_1, .missingPayload(.subAck), .protocolError)
        expectError([0x90, 0x03, 0x00, 0x01, 0x03], .v3_1_1, .invalidReasonCode(MQTTReasonCode(rawValue: 3), .subAck), .protocolError)
        expectError([0x40, 0x02, 0x00, 0x00], .v3_1_1, .invalidPacketIdentifier(.pubAck), .protocolError)
        expectError([0x40, 0x03, 0x00, 0x01, 0x92], .v5, .invalidReasonCode(.packetIdentifierNotFound, .pubAck), .protocolError)
        expectError([0xE0, 0x01, 0x01], .v5, .invalidReasonCode(.grantedQoS1, .disconnect), .protocolError)
        expectError([0xF0, 0x01, 0x8F], .v5, .invalidReasonCode(.topicFilterInvalid, .auth), .protocolError)
    }

    @Test("bodies that end early or run long")
    func lengths() {
        expectError([0x10, 0x03, 0x00, 0x04, 0x4D], .v3_1_1, .truncatedPacket, .malformedPacket)
        expectError([0x32, 0x04, 0x00, 0x01, 0x74, 0x00], .v3_1_1, .truncatedPacket, .malformedPacket)
        expectError([0xC0, 0x01, 0x00], .v3_1_1, .trailingBytes(count: 1), .malformedPacket)
        expectError([0x40, 0x03, 0x00, 0x01, 0x00], .v3_1_1, .trailingBytes(count: 1), .malformedPacket)
        expectError([0xE0, 0x01, 0x00], .v3_1_1, .trailingBytes(count: 1), .malformedPacket)
        expectError([0x40, 0x05, 0x00, 0x01, 0x00, 0x05, 0x1F], .v5, .truncatedPacket, .malformedPacket)  // property length past the end
    }

    @Test("AUTH does not exist before MQTT 5")
    func authBeforeV5() {
        expectError([0xF0, 0x00], .v3_1_1, .invalidPacketType(15), .malformedPacket)
        expectError([0xF0, 0x00], .v3_1, .invalidPacketType(15), .malformedPacket)
    }
}

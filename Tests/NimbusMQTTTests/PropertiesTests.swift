import NIOCore
import NimbusMQTT
import Testing

@Suite("MQTT 5 properties")
struct PropertiesTests {
    /// A v5 PUBACK for packet 1 with reason 0x00 and the given raw properties.
    private static func pubAck(properties: [UInt8]) -> [UInt8] {
        [0x40, UInt8(4 + properties.count), 0x00, 0x01, 0x00, UInt8(properties.count)] + properties
    }

    /// A v5 CONNECT for client "c" with the given raw properties.
    private static func connect(properties: [UInt8]) -> [UInt8] {
        let body = mqttString("MQTT") + [0x05, 0x02, 0x00, 0x3C, UInt8(properties.count)] + properties + mqttString("c")
        return [0x10, UInt8(body.count)] + body
    }

    /// A v5 PUBLISH to "t" with the given raw properties.
    private static func publish(properties: [UInt8]) -> [UInt8] {
        [0x30, UInt8(4 + properties.count)] + mqttString("t") + [UInt8(properties.count)] + properties
    }

    /// A v5 SUBSCRIBE to "a" with the given raw properties.
    private static func subscribe(properties: [UInt8]) -> [UInt8] {
        let body = [0x00, 0x01, UInt8(properties.count)] + properties + mqttString("a") + [0x00]
        return [0x82, UInt8(body.count)] + body
    }

    @Test("the identifier table gives each property's type and the packets it may appear in")
    func identifierTable() {
        #expect(MQTTPropertyIdentifier.allCases.count == 27)
        #expect(MQTTPropertyIdentifier.sessionExpiryInterval.valueType == .fourByteInteger)
        #expect(MQTTPropertyIdentifier.subscriptionIdentifier.valueType == .variableByteInteger)
        #expect(MQTTPropertyIdentifier.userProperty.valueType == .utf8StringPair)
        #expect(MQTTPropertyIdentifier.correlationData.valueType == .binaryData)
        #expect(MQTTPropertyIdentifier.topicAlias.valueType == .twoByteInteger)
        #expect(MQTTPropertyIdentifier.willDelayInterval.isAllowed(in: .will))
        #expect(!MQTTPropertyIdentifier.willDelayInterval.isAllowed(in: .packet(.connect)))
        #expect(MQTTPropertyIdentifier.reasonString.isAllowed(in: .packet(.pubComp)))
        #expect(!MQTTPropertyIdentifier.reasonString.isAllowed(in: .packet(.publish)))
        #expect(MQTTPropertyIdentifier.userProperty.isAllowed(in: .will))
        #expect(MQTTPropertyIdentifier.subscriptionIdentifier.isRepeatable(in: .packet(.publish)))
        #expect(!MQTTPropertyIdentifier.subscriptionIdentifier.isRepeatable(in: .packet(.subscribe)))
        for identifier in MQTTPropertyIdentifier.allCases {
            #expect(!identifier.isAllowed(in: .packet(.pingReq)), "\(identifier)")
        }
    }

    @Test("a single-valued property twice is a protocol error; User Property may repeat and keeps its order")
    func duplicates() throws {
        let twice = protocolError { _ = try decode(Self.connect(properties: [0x11, 0, 0, 0, 1, 0x11, 0, 0, 0, 2]), version: .v5) }
        #expect(twice == .duplicateProperty(.sessionExpiryInterval))
        #expect(twice?.reasonCode == .protocolError)

        let pairs = [0x26] + mqttString("k") + mqttString("1") + [0x26] + mqttString("k") + mqttString("2")
        guard case .publishAck(let ack) = try decode(Self.pubAck(properties: pairs), version: .v5) else {
            Issue.record("not a PUBACK")
            return
        }
        #expect(ack.properties.userProperties == [.init(name: "k", value: "1"), .init(name: "k", value: "2")])
    }

    @Test("Subscription Identifier repeats in PUBLISH but not in SUBSCRIBE")
    func subscriptionIdentifiers() throws {
        guard case .publish(let publish) = try decode(Self.publish(properties: [0x0B, 0x01, 0x0B, 0x80, 0x01]), version: .v5) else {
            Issue.record("not a PUBLISH")
            return
        }
        #expect(publish.properties.subscriptionIdentifiers == [1, 128])

        let twice = Self.subscribe(properties: [0x0B, 0x01, 0x0B, 0x02])
        #expect(protocolError { _ = try decode(twice, version: .v5) } == .duplicateProperty(.subscriptionIdentifier))
        let zero = Self.subscribe(properties: [0x0B, 0x00])
        #expect(protocolError { _ = try decode(zero, version: .v5) } == .invalidPropertyValue(.subscriptionIdentifier))
    }

    @Test("a property outside the packets the spec allows it in is a protocol error")
    func placement() {
        let topicAliasInConnect = protocolError { _ = try decode(Self.connect(properties: [0x23, 0x00, 0x01]), version: .v5) }
        #expect(topicAliasInConnect == .propertyNotAllowed(.topicAlias, .packet(.connect)))
        #expect(topicAliasInConnect?.reasonCode == .protocolError)
        let willDelayInConnect = protocolError { _ = try decode(Self.connect(properties: [0x18, 0, 0, 0, 5]), version: .v5) }
        #expect(willDelayInConnect == .propertyNotAllowed(.willDelayInterval, .packet(.connect)))
        let sessionExpiryInPublish = protocolError { _ = try decode(Self.publish(properties: [0x11, 0, 0, 0, 5]), version: .v5) }
        #expect(sessionExpiryInPublish == .propertyNotAllowed(.sessionExpiryInterval, .packet(.publish)))
        let sessionExpiryInWill = protocolError {
            let willProperties: [UInt8] = [0x05, 0x11, 0, 0, 0, 5]
            let body = mqttString("MQTT") + [0x05, 0x06, 0x00, 0x3C, 0x00] + mqttString("c") + willProperties + mqttString("w") + mqttString("x")
            _ = try decode([0x10, UInt8(body.count)] + body, version: .v5)
        }
        #expect(sessionExpiryInWill == .propertyNotAllowed(.sessionExpiryInterval, .will))
    }

    @Test("values the spec rules out are protocol errors", arguments: [
        ([UInt8]([0x21, 0x00, 0x00]), MQTTPropertyIdentifier.receiveMaximum),
        ([0x27, 0x00, 0x00, 0x00, 0x00], .maximumPacketSize),
        ([0x17, 0x02], .requestProblemInformation),
        ([0x19, 0x07], .requestResponseInformation),
    ])
    func invalidValues(properties: [UInt8], identifier: MQTTPropertyIdentifier) {
        let error = protocolError { _ = try decode(Self.connect(properties: properties), version: .v5) }
        #expect(error == .invalidPropertyValue(identifier))
        #expect(error?.reasonCode == .protocolError)
    }

    @Test("CONNACK flags must be 0 or 1 and Maximum QoS 0 or 1")
    func connAckValues() {
        let maximumQoS2: [UInt8] = [0x20, 0x05, 0x00, 0x00, 0x02, 0x24, 0x02]
        #expect(protocolError { _ = try decode(maximumQoS2, version: .v5) } == .invalidPropertyValue(.maximumQoS))
        let retainAvailable2: [UInt8] = [0x20, 0x05, 0x00, 0x00, 0x02, 0x25, 0x02]
        #expect(protocolError { _ = try decode(retainAvailable2, version: .v5) } == .invalidPropertyValue(.retainAvailable))
    }

    @Test("an unknown property identifier is malformed")
    func unknownIdentifier() {
        let error = protocolError { _ = try decode(Self.pubAck(properties: [0x05, 0x00]), version: .v5) }
        #expect(error == .unknownPropertyIdentifier(5))
        #expect(error?.reasonCode == .malformedPacket)
    }

    @Test("typed accessors set, replace and remove properties, keeping the order of the rest")
    func accessors() {
        var properties = MQTTProperties()
        properties.contentType = "text/plain"
        properties.messageExpiryInterval = 10
        properties.userProperties = [.init(name: "a", value: "1")]
        properties.contentType = "application/json"
        #expect(properties.all.map(\.identifier) == [.contentType, .messageExpiryInterval, .userProperty])
        #expect(properties.contentType == "application/json")
        properties.messageExpiryInterval = nil
        properties.userProperties = []
        #expect(properties.all.map(\.identifier) == [.contentType])
        properties.payloadFormat = .utf8
        properties.correlationData = ByteBuffer(bytes: [1])
        #expect(properties.payloadFormat == .utf8)
        #expect(properties.value(of: .payloadFormatIndicator) == .byte(1))
        #expect(properties.correlationData == ByteBuffer(bytes: [1]))
        #expect(throws: Never.self) { try properties.validate(for: .will) }
        #expect(throws: MQTTProtocolError.propertyNotAllowed(.contentType, .packet(.connAck))) { try properties.validate(for: .packet(.connAck)) }
    }
}

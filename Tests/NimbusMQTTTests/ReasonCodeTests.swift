import NimbusMQTT
import Testing

@Suite("Reason codes")
struct ReasonCodeTests {
    @Test("all 43 MQTT 5 reason code names, success below 0x80 and failure from it")
    func names() {
        let named = (0...255).map { MQTTReasonCode(rawValue: UInt8($0)) }.filter { $0.name != nil }
        #expect(named.count == 43, "0x00 carries three names in one entry")
        #expect(MQTTReasonCode.packetTooLarge.name == "Packet too large")
        #expect(MQTTReasonCode.normalDisconnection == .success && MQTTReasonCode.grantedQoS0 == .success)
        #expect(MQTTReasonCode.notAuthorized.description == "0x87 Not authorized")
        #expect(MQTTReasonCode(rawValue: 0x03).description == "0x03")
        #expect(named.allSatisfy { $0.isFailure == ($0.rawValue >= 0x80) })
        #expect(MQTTReasonCode.granted(.exactlyOnce) == .grantedQoS2)
    }

    @Test("each packet accepts only its codes")
    func perPacket() {
        #expect(MQTTReasonCode.success.isAllowed(in: .connAck))
        #expect(MQTTReasonCode.banned.isAllowed(in: .connAck) && !MQTTReasonCode.banned.isAllowed(in: .disconnect))
        #expect(!MQTTReasonCode.noMatchingSubscribers.isAllowed(in: .connAck))
        #expect(MQTTReasonCode.noMatchingSubscribers.isAllowed(in: .pubRec))
        #expect(!MQTTReasonCode.noMatchingSubscribers.isAllowed(in: .pubRel))
        #expect(MQTTReasonCode.packetIdentifierNotFound.isAllowed(in: .pubComp))
        #expect(MQTTReasonCode.grantedQoS2.isAllowed(in: .subAck))
        #expect(!MQTTReasonCode.grantedQoS2.isAllowed(in: .unsubAck))
        #expect(MQTTReasonCode.disconnectWithWillMessage.isAllowed(in: .disconnect))
        #expect(MQTTReasonCode.reAuthenticate.isAllowed(in: .auth))
        #expect(!MQTTReasonCode.success.isAllowed(in: .publish))
    }

    @Test("3.1.1 CONNACK return codes 0–5 map both ways")
    func connectReturnCodes() {
        for returnCode in UInt8(0)...5 {
            let code = MQTTReasonCode(connectReturnCode: returnCode)
            #expect(code?.connectReturnCode == returnCode)
        }
        #expect(MQTTReasonCode(connectReturnCode: 6) == nil)
        #expect(MQTTReasonCode.serverBusy.connectReturnCode == 3)
        #expect(MQTTReasonCode.badAuthenticationMethod.connectReturnCode == 5)
        #expect(MQTTReasonCode.malformedPacket.connectReturnCode == nil, "close without CONNACK")
        #expect(MQTTReasonCode.protocolError.connectReturnCode == nil)
    }

    @Test("3.1.1 SUBACK return codes are the granted QoS or 0x80")
    func subscribeReturnCodes() {
        #expect(MQTTReasonCode.grantedQoS1.subscribeReturnCode == 1)
        #expect(MQTTReasonCode.notAuthorized.subscribeReturnCode == 0x80)
        #expect(MQTTReasonCode.wildcardSubscriptionsNotSupported.subscribeReturnCode == 0x80)
        #expect(MQTTReasonCode(subscribeReturnCode: 0x80) == .unspecifiedError)
        #expect(MQTTReasonCode(subscribeReturnCode: 2) == .grantedQoS2)
        #expect(MQTTReasonCode(subscribeReturnCode: 3) == nil)
    }

    @Test("every protocol error names the reason code the broker sends")
    func errorReasonCodes() {
        let cases: [(MQTTProtocolError, MQTTReasonCode)] = [
            (.malformedVariableByteInteger, .malformedPacket),
            (.packetTooLarge(size: 10, maximum: 5), .packetTooLarge),
            (.invalidUTF8String, .malformedPacket),
            (.unsupportedProtocolVersion(name: "MQTT", level: 9), .unsupportedProtocolVersion),
            (.clientIdentifierNotValid, .clientIdentifierNotValid),
            (.invalidTopicName("a/#"), .topicNameInvalid),
            (.invalidTopicFilter("a/#/b"), .topicFilterInvalid),
            (.duplicateProperty(.contentType), .protocolError),
            (.invalidTopicAlias, .topicAliasInvalid),
            (.valueTooLong(byteCount: 70_000), .implementationSpecificError),
        ]
        for (error, reasonCode) in cases {
            #expect(error.reasonCode == reasonCode, "\(error)")
            #expect(error.reasonCode.isAllowed(in: .disconnect) || error.reasonCode.isAllowed(in: .connAck), "\(error) can be sent")
        }
    }
}

import NIOCore
import NimbusMQTT

/// One or more packets of every type, as they can be expressed in each protocol version, for round-trip tests.
/// MQTT 5 samples carry properties and non-success reason codes; older versions carry only what they can express.
enum SamplePackets {
    static func all(for version: MQTTProtocolVersion) -> [MQTTPacket] {
        connects(version) + [
            .connAck(connAck(version)),
            .publish(MQTTPublishPacket(topicName: "sensors/1/temperature", payload: ByteBuffer(string: "21.5"))),
            .publish(publish(version)),
            .publishAck(MQTTPublishAckPacket(kind: .pubAck, packetIdentifier: 1)),
            .publishAck(MQTTPublishAckPacket(kind: .pubRec, packetIdentifier: 2, reasonCode: reason(.noMatchingSubscribers, version))),
            .publishAck(MQTTPublishAckPacket(kind: .pubRel, packetIdentifier: 3, reasonCode: reason(.packetIdentifierNotFound, version))),
            .publishAck(MQTTPublishAckPacket(kind: .pubComp, packetIdentifier: 65535, properties: reasonString(version))),
            .subscribe(subscribe(version)),
            .subAck(subAck(version)),
            .unsubscribe(MQTTUnsubscribePacket(packetIdentifier: 8, topicFilters: ["a/+", "$share/g/b/#"], properties: userProperties(version))),
            .unsubAck(MQTTUnsubAckPacket(packetIdentifier: 8, reasonCodes: version == .v5 ? [.success, .noSubscriptionExisted] : [])),
            .pingReq,
            .pingResp,
            .disconnect(MQTTDisconnectPacket()),
            .disconnect(disconnect(version)),
        ] + auths(version)
    }

    private static func reason(_ code: MQTTReasonCode, _ version: MQTTProtocolVersion) -> MQTTReasonCode {
        version == .v5 ? code : .success
    }

    private static func reasonString(_ version: MQTTProtocolVersion) -> MQTTProperties {
        var properties = MQTTProperties()
        if version == .v5 { properties.reasonString = "done" }
        return properties
    }

    private static func userProperties(_ version: MQTTProtocolVersion) -> MQTTProperties {
        var properties = MQTTProperties()
        if version == .v5 { properties.userProperties = [.init(name: "b", value: "2"), .init(name: "a", value: "1"), .init(name: "b", value: "3")] }
        return properties
    }

    private static func connects(_ version: MQTTProtocolVersion) -> [MQTTPacket] {
        var will = MQTTWill(topic: "devices/7/status", payload: ByteBuffer(string: "offline"), qos: .exactlyOnce, retain: true)
        var properties = MQTTProperties()
        if version == .v5 {
            will.properties.willDelayInterval = 30
            will.properties.contentType = "text/plain"
            properties.sessionExpiryInterval = 3600
            properties.receiveMaximum = 100
            properties.maximumPacketSize = 65536
            properties.topicAliasMaximum = 10
            properties.requestProblemInformation = false
            properties.requestResponseInformation = true
            properties.authenticationMethod = "SCRAM-SHA-256"
            properties.authenticationData = ByteBuffer(bytes: [1, 2, 3])
        }
        return [
            .connect(MQTTConnectPacket(protocolVersion: version, clientIdentifier: "device-7", cleanStart: false, keepAlive: 0)),
            .connect(
                MQTTConnectPacket(
                    protocolVersion: version,
                    clientIdentifier: "device-8",
                    keepAlive: 65535,
                    will: will,
                    username: "user",
                    password: ByteBuffer(bytes: [0, 0xFF, 0x10]),
                    properties: properties
                )
            ),
        ]
    }

    private static func connAck(_ version: MQTTProtocolVersion) -> MQTTConnAckPacket {
        guard version == .v5 else { return MQTTConnAckPacket(sessionPresent: version == .v3_1_1, reasonCode: .success) }
        var properties = MQTTProperties()
        properties.sessionExpiryInterval = 0
        properties.receiveMaximum = 50
        properties.maximumQoS = .atLeastOnce
        properties.retainAvailable = false
        properties.maximumPacketSize = 1_048_576
        properties.assignedClientIdentifier = "auto-1"
        properties.topicAliasMaximum = 5
        properties.reasonString = "welcome"
        properties.userProperties = [.init(name: "region", value: "eu")]
        properties.wildcardSubscriptionAvailable = true
        properties.subscriptionIdentifierAvailable = true
        properties.sharedSubscriptionAvailable = false
        properties.serverKeepAlive = 120
        properties.responseInformation = "responses/auto-1"
        properties.serverReference = "other.example.com"
        properties.authenticationMethod = "SCRAM-SHA-256"
        properties.authenticationData = ByteBuffer(bytes: [9])
        return MQTTConnAckPacket(sessionPresent: true, reasonCode: .success, properties: properties)
    }

    private static func publish(_ version: MQTTProtocolVersion) -> MQTTPublishPacket {
        var properties = MQTTProperties()
        if version == .v5 {
            properties.payloadFormat = .utf8
            properties.messageExpiryInterval = 60
            properties.topicAlias = 3
            properties.responseTopic = "replies/7"
            properties.correlationData = ByteBuffer(bytes: [0xCA, 0xFE])
            properties.subscriptionIdentifiers = [5, 268_435_455]
            properties.contentType = "application/json"
            properties.userProperties = [.init(name: "k", value: "v")]
        }
        return MQTTPublishPacket(
            topicName: version == .v5 ? "" : "devices/7/state",
            payload: ByteBuffer(string: #"{"on":true}"#),
            qos: .exactlyOnce,
            retain: true,
            duplicate: true,
            packetIdentifier: 4,
            properties: properties
        )
    }

    private static func subscribe(_ version: MQTTProtocolVersion) -> MQTTSubscribePacket {
        var properties = MQTTProperties()
        if version == .v5 { properties.subscriptionIdentifiers = [42] }
        let rich = MQTTSubscriptionOptions(qos: .exactlyOnce, noLocal: true, retainAsPublished: true, retainHandling: .doNotSend)
        return MQTTSubscribePacket(
            packetIdentifier: 5,
            subscriptions: [
                .init(topicFilter: "devices/+/state", options: .init(qos: .atLeastOnce)),
                .init(topicFilter: "#", options: version == .v5 ? rich : .init(qos: .exactlyOnce)),
            ],
            properties: properties
        )
    }

    private static func subAck(_ version: MQTTProtocolVersion) -> MQTTSubAckPacket {
        let failure: MQTTReasonCode = version == .v5 ? .topicFilterInvalid : .unspecifiedError
        let codes: [MQTTReasonCode] = [.grantedQoS0, .grantedQoS1, .grantedQoS2, failure]
        return MQTTSubAckPacket(packetIdentifier: 5, reasonCodes: codes, properties: reasonString(version))
    }

    private static func disconnect(_ version: MQTTProtocolVersion) -> MQTTDisconnectPacket {
        guard version == .v5 else { return MQTTDisconnectPacket() }
        var properties = MQTTProperties()
        properties.sessionExpiryInterval = 0
        properties.serverReference = "backup.example.com"
        return MQTTDisconnectPacket(reasonCode: .useAnotherServer, properties: properties)
    }

    private static func auths(_ version: MQTTProtocolVersion) -> [MQTTPacket] {
        guard version == .v5 else { return [] }
        var properties = MQTTProperties()
        properties.authenticationMethod = "SCRAM-SHA-256"
        properties.authenticationData = ByteBuffer(string: "client-final")
        return [.auth(MQTTAuthPacket()), .auth(MQTTAuthPacket(reasonCode: .continueAuthentication, properties: properties))]
    }
}

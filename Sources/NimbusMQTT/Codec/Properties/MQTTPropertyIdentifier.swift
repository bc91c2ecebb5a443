/// Where a set of MQTT 5 properties sits: in a packet's variable header, or in CONNECT's will properties,
/// which allow a different set.
public enum MQTTPropertyLocation: Sendable, Hashable, CustomStringConvertible {
    case packet(MQTTPacketType)
    case will

    public var description: String {
        switch self {
        case .packet(let type): "\(type)"
        case .will: "will properties"
        }
    }
}

/// How a property's value is encoded (section 2.2.2.2 of the MQTT 5 specification).
public enum MQTTPropertyValueType: Sendable, Hashable {
    case byte
    case twoByteInteger
    case fourByteInteger
    case variableByteInteger
    case utf8String
    case binaryData
    case utf8StringPair
}

/// The MQTT 5 property identifiers, with the table of value types and allowed locations from section 2.2.2.2.
///
/// The table is what lets the decoder turn "property in the wrong packet" and "property twice" into protocol
/// errors instead of silently accepting what a conforming peer never sends.
public enum MQTTPropertyIdentifier: UInt8, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case payloadFormatIndicator = 0x01
    case messageExpiryInterval = 0x02
    case contentType = 0x03
    case responseTopic = 0x08
    case correlationData = 0x09
    case subscriptionIdentifier = 0x0B
    case sessionExpiryInterval = 0x11
    case assignedClientIdentifier = 0x12
    case serverKeepAlive = 0x13
    case authenticationMethod = 0x15
    case authenticationData = 0x16
    case requestProblemInformation = 0x17
    case willDelayInterval = 0x18
    case requestResponseInformation = 0x19
    case responseInformation = 0x1A
    case serverReference = 0x1C
    case reasonString = 0x1F
    case receiveMaximum = 0x21
    case topicAliasMaximum = 0x22
    case topicAlias = 0x23
    case maximumQoS = 0x24
    case retainAvailable = 0x25
    case userProperty = 0x26
    case maximumPacketSize = 0x27
    case wildcardSubscriptionAvailable = 0x28
    case subscriptionIdentifierAvailable = 0x29
    case sharedSubscriptionAvailable = 0x2A

    /// How the property's value is encoded.
    public var valueType: MQTTPropertyValueType {
        switch self {
        case .payloadFormatIndicator, .requestProblemInformation, .requestResponseInformation, .maximumQoS, .retainAvailable,
            .wildcardSubscriptionAvailable, .subscriptionIdentifierAvailable, .sharedSubscriptionAvailable:
            .byte
        case .serverKeepAlive, .receiveMaximum, .topicAliasMaximum, .topicAlias:
            .twoByteInteger
        case .messageExpiryInterval, .sessionExpiryInterval, .willDelayInterval, .maximumPacketSize:
            .fourByteInteger
        case .subscriptionIdentifier:
            .variableByteInteger
        case .contentType, .responseTopic, .assignedClientIdentifier, .authenticationMethod, .responseInformation,
            .serverReference, .reasonString:
            .utf8String
        case .correlationData, .authenticationData:
            .binaryData
        case .userProperty:
            .utf8StringPair
        }
    }

    /// Whether the property may appear in `location`.
    public func isAllowed(in location: MQTTPropertyLocation) -> Bool {
        Self.allowedLocations[self, default: []].contains(location)
    }

    /// Whether the property may appear more than once in `location`: User Property anywhere, Subscription
    /// Identifier only in PUBLISH (one per matching subscription; SUBSCRIBE may carry just one).
    public func isRepeatable(in location: MQTTPropertyLocation) -> Bool {
        switch self {
        case .userProperty: true
        case .subscriptionIdentifier: location == .packet(.publish)
        default: false
        }
    }

    public var description: String {
        "\(Self.names[self, default: "property"]) (0x\(String(rawValue, radix: 16, uppercase: true)))"
    }

    private static let messageProperties: Set<MQTTPropertyLocation> = [.packet(.publish), .will]
    private static let acknowledgements: Set<MQTTPropertyLocation> = [
        .packet(.pubAck), .packet(.pubRec), .packet(.pubRel), .packet(.pubComp), .packet(.subAck), .packet(.unsubAck),
    ]

    private static let allowedLocations: [MQTTPropertyIdentifier: Set<MQTTPropertyLocation>] = [
        .payloadFormatIndicator: messageProperties,
        .messageExpiryInterval: messageProperties,
        .contentType: messageProperties,
        .responseTopic: messageProperties,
        .correlationData: messageProperties,
        .subscriptionIdentifier: [.packet(.publish), .packet(.subscribe)],
        .sessionExpiryInterval: [.packet(.connect), .packet(.connAck), .packet(.disconnect)],
        .assignedClientIdentifier: [.packet(.connAck)],
        .serverKeepAlive: [.packet(.connAck)],
        .authenticationMethod: [.packet(.connect), .packet(.connAck), .packet(.auth)],
        .authenticationData: [.packet(.connect), .packet(.connAck), .packet(.auth)],
        .requestProblemInformation: [.packet(.connect)],
        .willDelayInterval: [.will],
        .requestResponseInformation: [.packet(.connect)],
        .responseInformation: [.packet(.connAck)],
        .serverReference: [.packet(.connAck), .packet(.disconnect)],
        .reasonString: acknowledgements.union([.packet(.connAck), .packet(.disconnect), .packet(.auth)]),
        .receiveMaximum: [.packet(.connect), .packet(.connAck)],
        .topicAliasMaximum: [.packet(.connect), .packet(.connAck)],
        .topicAlias: [.packet(.publish)],
        .maximumQoS: [.packet(.connAck)],
        .retainAvailable: [.packet(.connAck)],
        .userProperty: acknowledgements.union(messageProperties).union([
            .packet(.connect), .packet(.connAck), .packet(.subscribe), .packet(.unsubscribe), .packet(.disconnect),
            .packet(.auth),
        ]),
        .maximumPacketSize: [.packet(.connect), .packet(.connAck)],
        .wildcardSubscriptionAvailable: [.packet(.connAck)],
        .subscriptionIdentifierAvailable: [.packet(.connAck)],
        .sharedSubscriptionAvailable: [.packet(.connAck)],
    ]

    private static let names: [MQTTPropertyIdentifier: String] = [
        .payloadFormatIndicator: "Payload Format Indicator",
        .messageExpiryInterval: "Message Expiry Interval",
        .contentType: "Content Type",
        .responseTopic: "Response Topic",
        .correlationData: "Correlation Data",
        .subscriptionIdentifier: "Subscription Identifier",
        .sessionExpiryInterval: "Session Expiry Interval",
        .assignedClientIdentifier: "Assigned Client Identifier",
        .serverKeepAlive: "Server Keep Alive",
        .authenticationMethod: "Authentication Method",
        .authenticationData: "Authentication Data",
        .requestProblemInformation: "Request Problem Information",
        .willDelayInterval: "Will Delay Interval",
        .requestResponseInformation: "Request Response Information",
        .responseInformation: "Response Information",
        .serverReference: "Server Reference",
        .reasonString: "Reason String",
        .receiveMaximum: "Receive Maximum",
        .topicAliasMaximum: "Topic Alias Maximum",
        .topicAlias: "Topic Alias",
        .maximumQoS: "Maximum QoS",
        .retainAvailable: "Retain Available",
        .userProperty: "User Property",
        .maximumPacketSize: "Maximum Packet Size",
        .wildcardSubscriptionAvailable: "Wildcard Subscription Available",
        .subscriptionIdentifierAvailable: "Subscription Identifier Available",
        .sharedSubscriptionAvailable: "Shared Subscription Available",
    ]
}

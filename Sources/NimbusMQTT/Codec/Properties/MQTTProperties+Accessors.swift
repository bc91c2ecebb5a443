import NIOCore

/// Typed access to each MQTT 5 property; setting `nil` (or an empty array) removes it.
/// Each accessor's comment names the packets the property is allowed in.
extension MQTTProperties {
    // MARK: Session and connection (CONNECT, CONNACK, DISCONNECT)

    /// Seconds the session outlives the connection (CONNECT, CONNACK, DISCONNECT).
    public var sessionExpiryInterval: UInt32? {
        get { value(of: .sessionExpiryInterval)?.asUInt32 }
        set { set(.sessionExpiryInterval, to: newValue.map(MQTTPropertyValue.fourByteInteger)) }
    }

    /// How many unacknowledged QoS 1/2 PUBLISHes the sender accepts at once (CONNECT, CONNACK); never 0.
    public var receiveMaximum: UInt16? {
        get { value(of: .receiveMaximum)?.asUInt16 }
        set { set(.receiveMaximum, to: newValue.map(MQTTPropertyValue.twoByteInteger)) }
    }

    /// The largest packet the sender accepts, fixed header included (CONNECT, CONNACK); never 0.
    public var maximumPacketSize: UInt32? {
        get { value(of: .maximumPacketSize)?.asUInt32 }
        set { set(.maximumPacketSize, to: newValue.map(MQTTPropertyValue.fourByteInteger)) }
    }

    /// The highest Topic Alias the sender accepts (CONNECT, CONNACK).
    public var topicAliasMaximum: UInt16? {
        get { value(of: .topicAliasMaximum)?.asUInt16 }
        set { set(.topicAliasMaximum, to: newValue.map(MQTTPropertyValue.twoByteInteger)) }
    }

    /// Whether the client wants Reason Strings and User Properties on failures (CONNECT).
    public var requestProblemInformation: Bool? {
        get { value(of: .requestProblemInformation)?.asUInt8.map { $0 != 0 } }
        set { set(.requestProblemInformation, to: newValue.map { .byte($0 ? 1 : 0) }) }
    }

    /// Whether the client wants Response Information in CONNACK (CONNECT).
    public var requestResponseInformation: Bool? {
        get { value(of: .requestResponseInformation)?.asUInt8.map { $0 != 0 } }
        set { set(.requestResponseInformation, to: newValue.map { .byte($0 ? 1 : 0) }) }
    }

    /// The client identifier the server chose for a client that sent an empty one (CONNACK).
    public var assignedClientIdentifier: String? {
        get { value(of: .assignedClientIdentifier)?.asString }
        set { set(.assignedClientIdentifier, to: newValue.map(MQTTPropertyValue.utf8String)) }
    }

    /// The keep alive the server imposes instead of the client's (CONNACK).
    public var serverKeepAlive: UInt16? {
        get { value(of: .serverKeepAlive)?.asUInt16 }
        set { set(.serverKeepAlive, to: newValue.map(MQTTPropertyValue.twoByteInteger)) }
    }

    /// The basis for response topics, when the client asked for it (CONNACK).
    public var responseInformation: String? {
        get { value(of: .responseInformation)?.asString }
        set { set(.responseInformation, to: newValue.map(MQTTPropertyValue.utf8String)) }
    }

    /// Another server the client should use (CONNACK, DISCONNECT).
    public var serverReference: String? {
        get { value(of: .serverReference)?.asString }
        set { set(.serverReference, to: newValue.map(MQTTPropertyValue.utf8String)) }
    }

    /// The highest QoS the server supports; only 0 or 1 may be sent, absence means 2 (CONNACK).
    public var maximumQoS: MQTTQoS? {
        get { value(of: .maximumQoS)?.asUInt8.flatMap(MQTTQoS.init(rawValue:)) }
        set { set(.maximumQoS, to: newValue.map { .byte($0.rawValue) }) }
    }

    /// Whether the server supports retained messages; absence means yes (CONNACK).
    public var retainAvailable: Bool? {
        get { value(of: .retainAvailable)?.asUInt8.map { $0 != 0 } }
        set { set(.retainAvailable, to: newValue.map { .byte($0 ? 1 : 0) }) }
    }

    /// Whether the server supports wildcard subscriptions; absence means yes (CONNACK).
    public var wildcardSubscriptionAvailable: Bool? {
        get { value(of: .wildcardSubscriptionAvailable)?.asUInt8.map { $0 != 0 } }
        set { set(.wildcardSubscriptionAvailable, to: newValue.map { .byte($0 ? 1 : 0) }) }
    }

    /// Whether the server supports subscription identifiers; absence means yes (CONNACK).
    public var subscriptionIdentifierAvailable: Bool? {
        get { value(of: .subscriptionIdentifierAvailable)?.asUInt8.map { $0 != 0 } }
        set { set(.subscriptionIdentifierAvailable, to: newValue.map { .byte($0 ? 1 : 0) }) }
    }

    /// Whether the server supports shared subscriptions; absence means yes (CONNACK).
    public var sharedSubscriptionAvailable: Bool? {
        get { value(of: .sharedSubscriptionAvailable)?.asUInt8.map { $0 != 0 } }
        set { set(.sharedSubscriptionAvailable, to: newValue.map { .byte($0 ? 1 : 0) }) }
    }

    /// The extended authentication method, e.g. `SCRAM-SHA-1` (CONNECT, CONNACK, AUTH).
    public var authenticationMethod: String? {
        get { value(of: .authenticationMethod)?.asString }
        set { set(.authenticationMethod, to: newValue.map(MQTTPropertyValue.utf8String)) }
    }

    /// The method-specific authentication data (CONNECT, CONNACK, AUTH).
    public var authenticationData: ByteBuffer? {
        get { value(of: .authenticationData)?.asBinary }
        set { set(.authenticationData, to: newValue.map(MQTTPropertyValue.binaryData)) }
    }

    // MARK: Messages (PUBLISH, will properties)

    /// Seconds after which the will is published once the connection is lost (will properties).
    public var willDelayInterval: UInt32? {
        get { value(of: .willDelayInterval)?.asUInt32 }
        set { set(.willDelayInterval, to: newValue.map(MQTTPropertyValue.fourByteInteger)) }
    }

    /// Whether the payload is declared UTF-8 (PUBLISH, will properties).
    public var payloadFormat: MQTTPayloadFormat? {
        get { value(of: .payloadFormatIndicator)?.asUInt8.flatMap(MQTTPayloadFormat.init(rawValue:)) }
        set { set(.payloadFormatIndicator, to: newValue.map { .byte($0.rawValue) }) }
    }

    /// Seconds the message may wait for delivery (PUBLISH, will properties).
    public var messageExpiryInterval: UInt32? {
        get { value(of: .messageExpiryInterval)?.asUInt32 }
        set { set(.messageExpiryInterval, to: newValue.map(MQTTPropertyValue.fourByteInteger)) }
    }

    /// The payload's MIME type, as the application chose it (PUBLISH, will properties).
    public var contentType: String? {
        get { value(of: .contentType)?.asString }
        set { set(.contentType, to: newValue.map(MQTTPropertyValue.utf8String)) }
    }

    /// The topic a request's response should go to (PUBLISH, will properties).
    public var responseTopic: String? {
        get { value(of: .responseTopic)?.asString }
        set { set(.responseTopic, to: newValue.map(MQTTPropertyValue.utf8String)) }
    }

    /// Data correlating a response with its request (PUBLISH, will properties).
    public var correlationData: ByteBuffer? {
        get { value(of: .correlationData)?.asBinary }
        set { set(.correlationData, to: newValue.map(MQTTPropertyValue.binaryData)) }
    }

    /// The alias that stands for the topic name on this connection; never 0 (PUBLISH).
    public var topicAlias: UInt16? {
        get { value(of: .topicAlias)?.asUInt16 }
        set { set(.topicAlias, to: newValue.map(MQTTPropertyValue.twoByteInteger)) }
    }

    /// The identifiers of every subscription a delivered message matched (PUBLISH, repeatable), or the one
    /// identifier a subscription is given (SUBSCRIBE, at most one); each 1–268,435,455.
    public var subscriptionIdentifiers: [UInt32] {
        get { values(of: .subscriptionIdentifier).compactMap(\.asUInt32) }
        set { setAll(.subscriptionIdentifier, to: newValue.map(MQTTPropertyValue.variableByteInteger)) }
    }

    // MARK: Any packet

    /// Human-readable diagnostics for the receiver, never to be parsed (acknowledgements, CONNACK, DISCONNECT, AUTH).
    public var reasonString: String? {
        get { value(of: .reasonString)?.asString }
        set { set(.reasonString, to: newValue.map(MQTTPropertyValue.utf8String)) }
    }

    /// Application name/value pairs, repeatable and ordered (every packet with properties, and will properties).
    public var userProperties: [MQTTUserProperty] {
        get { values(of: .userProperty).compactMap(\.asUserProperty) }
        set { setAll(.userProperty, to: newValue.map(MQTTPropertyValue.utf8StringPair)) }
    }
}

/// An MQTT 5 reason code: the one-byte outcome carried by CONNACK, PUBACK, PUBREC, PUBREL, PUBCOMP, SUBACK,
/// UNSUBACK, DISCONNECT and AUTH.
///
/// A struct over the raw byte rather than an enum because the specification gives one value several names
/// (0x00 is "Success", "Normal disconnection" and "Granted QoS 0" depending on the packet), and because a peer may
/// send a value this table does not know; `isAllowed(in:)` says which values each packet may carry.
/// Values below 0x80 report success, values from 0x80 up report failure.
public struct MQTTReasonCode: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public var rawValue: UInt8

    public init(rawValue: UInt8) {
        self.rawValue = rawValue
    }

    public static let success = Self(rawValue: 0x00)
    public static let normalDisconnection = Self(rawValue: 0x00)
    public static let grantedQoS0 = Self(rawValue: 0x00)
    public static let grantedQoS1 = Self(rawValue: 0x01)
    public static let grantedQoS2 = Self(rawValue: 0x02)
    public static let disconnectWithWillMessage = Self(rawValue: 0x04)
    public static let noMatchingSubscribers = Self(rawValue: 0x10)
    public static let noSubscriptionExisted = Self(rawValue: 0x11)
    public static let continueAuthentication = Self(rawValue: 0x18)
    public static let reAuthenticate = Self(rawValue: 0x19)
    public static let unspecifiedError = Self(rawValue: 0x80)
    public static let malformedPacket = Self(rawValue: 0x81)
    public static let protocolError = Self(rawValue: 0x82)
    public static let implementationSpecificError = Self(rawValue: 0x83)
    public static let unsupportedProtocolVersion = Self(rawValue: 0x84)
    public static let clientIdentifierNotValid = Self(rawValue: 0x85)
    public static let badUserNameOrPassword = Self(rawValue: 0x86)
    public static let notAuthorized = Self(rawValue: 0x87)
    public static let serverUnavailable = Self(rawValue: 0x88)
    public static let serverBusy = Self(rawValue: 0x89)
    public static let banned = Self(rawValue: 0x8A)
    public static let serverShuttingDown = Self(rawValue: 0x8B)
    public static let badAuthenticationMethod = Self(rawValue: 0x8C)
    public static let keepAliveTimeout = Self(rawValue: 0x8D)
    public static let sessionTakenOver = Self(rawValue: 0x8E)
    public static let topicFilterInvalid = Self(rawValue: 0x8F)
    public static let topicNameInvalid = Self(rawValue: 0x90)
    public static let packetIdentifierInUse = Self(rawValue: 0x91)
    public static let packetIdentifierNotFound = Self(rawValue: 0x92)
    public static let receiveMaximumExceeded = Self(rawValue: 0x93)
    public static let topicAliasInvalid = Self(rawValue: 0x94)
    public static let packetTooLarge = Self(rawValue: 0x95)
    public static let messageRateTooHigh = Self(rawValue: 0x96)
    public static let quotaExceeded = Self(rawValue: 0x97)
    public static let administrativeAction = Self(rawValue: 0x98)
    public static let payloadFormatInvalid = Self(rawValue: 0x99)
    public static let retainNotSupported = Self(rawValue: 0x9A)
    public static let qosNotSupported = Self(rawValue: 0x9B)
    public static let useAnotherServer = Self(rawValue: 0x9C)
    public static let serverMoved = Self(rawValue: 0x9D)
    public static let sharedSubscriptionsNotSupported = Self(rawValue: 0x9E)
    public static let connectionRateExceeded = Self(rawValue: 0x9F)
    public static let maximumConnectTime = Self(rawValue: 0xA0)
    public static let subscriptionIdentifiersNotSupported = Self(rawValue: 0xA1)
    public static let wildcardSubscriptionsNotSupported = Self(rawValue: 0xA2)

    /// The granted-QoS code a SUBACK carries for an accepted subscription.
    public static func granted(_ qos: MQTTQoS) -> Self {
        Self(rawValue: qos.rawValue)
    }

    /// Whether the code reports a failure; the specification reserves 0x80 and above for those.
    public var isFailure: Bool { rawValue >= 0x80 }

    /// The specification's name for the code, or `nil` for a value it does not define.
    /// 0x00–0x02 have packet-dependent names; the SUBACK and DISCONNECT names are listed after a slash.
    public var name: String? {
        Self.names[rawValue]
    }

    public var description: String {
        let hex = "0x" + String(rawValue, radix: 16, uppercase: true).leftPadded(to: 2)
        return name.map { "\(hex) \($0)" } ?? hex
    }

    private static let names: [UInt8: String] = [
        0x00: "Success / Normal disconnection / Granted QoS 0",
        0x01: "Granted QoS 1",
        0x02: "Granted QoS 2",
        0x04: "Disconnect with Will Message",
        0x10: "No matching subscribers",
        0x11: "No subscription existed",
        0x18: "Continue authentication",
        0x19: "Re-authenticate",
        0x80: "Unspecified error",
        0x81: "Malformed Packet",
        0x82: "Protocol Error",
        0x83: "Implementation specific error",
        0x84: "Unsupported Protocol Version",
        0x85: "Client Identifier not valid",
        0x86: "Bad User Name or Password",
        0x87: "Not authorized",
        0x88: "Server unavailable",
        0x89: "Server busy",
        0x8A: "Banned",
        0x8B: "Server shutting down",
        0x8C: "Bad authentication method",
        0x8D: "Keep Alive timeout",
        0x8E: "Session taken over",
        0x8F: "Topic Filter invalid",
        0x90: "Topic Name invalid",
        0x91: "Packet Identifier in use",
        0x92: "Packet Identifier not found",
        0x93: "Receive Maximum exceeded",
        0x94: "Topic Alias invalid",
        0x95: "Packet too large",
        0x96: "Message rate too high",
        0x97: "Quota exceeded",
        0x98: "Administrative action",
        0x99: "Payload format invalid",
        0x9A: "Retain not supported",
        0x9B: "QoS not supported",
        0x9C: "Use another server",
        0x9D: "Server moved",
        0x9E: "Shared Subscriptions not supported",
        0x9F: "Connection rate exceeded",
        0xA0: "Maximum connect time",
        0xA1: "Subscription Identifiers not supported",
        0xA2: "Wildcard Subscriptions not supported",
    ]
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}

extension MQTTReasonCode {
    /// Whether an MQTT 5 packet of `packetType` may carry this code (Table 2-6 of the MQTT 5 specification).
    ///
    /// Decoders use it to reject a code a peer put in the wrong packet, and encoders to catch a broker bug
    /// before it reaches the wire.
    public func isAllowed(in packetType: MQTTPacketType) -> Bool {
        switch packetType {
        case .connAck: Self.connAckCodes.contains(rawValue)
        case .pubAck, .pubRec: Self.publishResultCodes.contains(rawValue)
        case .pubRel, .pubComp: rawValue == 0x00 || rawValue == 0x92
        case .subAck: Self.subAckCodes.contains(rawValue)
        case .unsubAck: Self.unsubAckCodes.contains(rawValue)
        case .disconnect: Self.disconnectCodes.contains(rawValue)
        case .auth: rawValue == 0x00 || rawValue == 0x18 || rawValue == 0x19
        case .connect, .publish, .subscribe, .unsubscribe, .pingReq, .pingResp: false
        }
    }

    private static let connAckCodes: Set<UInt8> = [
        0x00, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8A, 0x8C, 0x90, 0x95, 0x97, 0x99, 0x9A,
        0x9B, 0x9C, 0x9D, 0x9F,
    ]
    private static let publishResultCodes: Set<UInt8> = [0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99]
    private static let subAckCodes: Set<UInt8> = [0x00, 0x01, 0x02, 0x80, 0x83, 0x87, 0x8F, 0x91, 0x97, 0x9E, 0xA1, 0xA2]
    private static let unsubAckCodes: Set<UInt8> = [0x00, 0x11, 0x80, 0x83, 0x87, 0x8F, 0x91]
    private static let disconnectCodes: Set<UInt8> = [
        0x00, 0x04, 0x80, 0x81, 0x82, 0x83, 0x87, 0x89, 0x8B, 0x8C, 0x8D, 0x8E, 0x8F, 0x90, 0x93, 0x94, 0x95, 0x96,
        0x97, 0x98, 0x99, 0x9A, 0x9B, 0x9C, 0x9D, 0x9E, 0x9F, 0xA0, 0xA1, 0xA2,
    ]

    // MARK: MQTT 3.1 and 3.1.1

    /// The CONNACK return code (0–5) that MQTT 3.1 and 3.1.1 use for this outcome, or `nil` when those versions
    /// have none. For `nil` the broker closes the connection without a CONNACK, which is what 3.1.1 requires for a
    /// CONNECT that does not conform (MQTT-3.1.4-1) and the only honest answer for failures it cannot name.
    public var connectReturnCode: UInt8? {
        switch self {
        case .success: 0
        case .unsupportedProtocolVersion: 1
        case .clientIdentifierNotValid: 2
        case .serverUnavailable, .serverBusy, .serverShuttingDown, .useAnotherServer, .serverMoved, .connectionRateExceeded,
            .quotaExceeded:
            3
        case .badUserNameOrPassword: 4
        case .notAuthorized, .banned, .badAuthenticationMethod: 5
        default: nil
        }
    }

    /// The MQTT 5 code for a 3.1/3.1.1 CONNACK return code, or `nil` for the reserved values 6–255.
    public init?(connectReturnCode: UInt8) {
        switch connectReturnCode {
        case 0: self = .success
        case 1: self = .unsupportedProtocolVersion
        case 2: self = .clientIdentifierNotValid
        case 3: self = .serverUnavailable
        case 4: self = .badUserNameOrPassword
        case 5: self = .notAuthorized
        default: return nil
        }
    }

    /// The byte a 3.1/3.1.1 SUBACK carries for this outcome: the granted QoS (0–2) or 0x80 for any failure,
    /// the only failure 3.1.1 can express. MQTT 3.1 predates 0x80 and has no failure code at all; it gets 0x80
    /// too, because granting a QoS would be a lie.
    public var subscribeReturnCode: UInt8 {
        isFailure ? 0x80 : min(rawValue, 2)
    }

    /// The MQTT 5 code for a 3.1/3.1.1 SUBACK return code, or `nil` for a value outside 0, 1, 2 and 0x80.
    public init?(subscribeReturnCode: UInt8) {
        switch subscribeReturnCode {
        case 0, 1, 2: self.init(rawValue: subscribeReturnCode)
        case 0x80: self = .unspecifiedError
        default: return nil
        }
    }
}

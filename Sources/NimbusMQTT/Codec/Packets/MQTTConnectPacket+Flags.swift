/// CONNECT's flags byte, with the consistency rules the specification puts on it.
struct ConnectFlags {
    var cleanStart: Bool
    /// The will's QoS, or `nil` when the Will Flag is clear.
    var willQoS: MQTTQoS?
    var willRetain: Bool
    var hasUsername: Bool
    var hasPassword: Bool

    init(cleanStart: Bool, willQoS: MQTTQoS?, willRetain: Bool, hasUsername: Bool, hasPassword: Bool) {
        self.cleanStart = cleanStart
        self.willQoS = willQoS
        self.willRetain = willRetain
        self.hasUsername = hasUsername
        self.hasPassword = hasPassword
    }

    /// Parses and validates the flags byte.
    ///
    /// - Throws: `reservedBitsSet` for bit 0 (MQTT-3.1.2-3), `invalidQoS` for Will QoS 3, `invalidWillFlags` for a
    ///   Will QoS or Will Retain without the Will Flag (MQTT-3.1.2-11, -13), all 0x81; `passwordWithoutUsername`
    ///   before MQTT 5 (MQTT-3.1.2-22).
    init(rawValue: UInt8, version: MQTTProtocolVersion) throws {
        guard rawValue & 0b0000_0001 == 0 else { throw MQTTProtocolError.reservedBitsSet(.connect) }
        let hasWill = rawValue & 0b0000_0100 != 0
        let qosBits = (rawValue >> 3) & 0b11
        let willRetain = rawValue & 0b0010_0000 != 0
        guard let qos = MQTTQoS(rawValue: qosBits) else { throw MQTTProtocolError.invalidQoS(qosBits) }
        guard hasWill || (qos == .atMostOnce && !willRetain) else { throw MQTTProtocolError.invalidWillFlags }
        self.init(
            cleanStart: rawValue & 0b0000_0010 != 0,
            willQoS: hasWill ? qos : nil,
            willRetain: willRetain,
            hasUsername: rawValue & 0b1000_0000 != 0,
            hasPassword: rawValue & 0b0100_0000 != 0
        )
        try validate(version: version)
    }

    /// MQTT 5 allows a password without a user name (for token authentication); 3.1 and 3.1.1 do not.
    func validate(version: MQTTProtocolVersion) throws {
        guard hasUsername || !hasPassword || version.hasProperties else { throw MQTTProtocolError.passwordWithoutUsername }
    }

    var rawValue: UInt8 {
        var value: UInt8 = 0
        if cleanStart { value |= 0b0000_0010 }
        if let willQoS {
            value |= 0b0000_0100 | willQoS.rawValue << 3
            if willRetain { value |= 0b0010_0000 }
        }
        if hasPassword { value |= 0b0100_0000 }
        if hasUsername { value |= 0b1000_0000 }
        return value
    }
}

/// What a client asks for with each topic filter it subscribes to: one byte in SUBSCRIBE, of which MQTT 3.1 and
/// 3.1.1 only use the QoS bits. The subscription index stores these per subscription.
public struct MQTTSubscriptionOptions: Sendable, Hashable {
    /// When retained messages are sent for a new or repeated subscription (MQTT 5).
    public enum RetainHandling: UInt8, Sendable, Hashable {
        /// Send retained messages every time the subscription is made (the only 3.1.1 behaviour).
        case sendOnSubscribe = 0
        /// Send them only if the subscription did not already exist.
        case sendOnNewSubscribe = 1
        /// Never send retained messages for this subscription.
        case doNotSend = 2
    }

    /// The highest QoS the subscriber wants messages delivered at.
    public var qos: MQTTQoS
    /// Do not deliver the subscriber's own publications back to it (MQTT 5). Not allowed on shared subscriptions.
    public var noLocal: Bool
    /// Keep the publisher's RETAIN flag when forwarding instead of clearing it (MQTT 5; bridges use it).
    public var retainAsPublished: Bool
    public var retainHandling: RetainHandling

    public init(
        qos: MQTTQoS = .atMostOnce,
        noLocal: Bool = false,
        retainAsPublished: Bool = false,
        retainHandling: RetainHandling = .sendOnSubscribe
    ) {
        self.qos = qos
        self.noLocal = noLocal
        self.retainAsPublished = retainAsPublished
        self.retainHandling = retainHandling
    }

    /// Parses the options byte for `version`.
    ///
    /// - Throws: `reservedBitsSet` (0x81) for reserved bits (bits 2–7 before MQTT 5, bits 6–7 in MQTT 5;
    ///   MQTT-3.8.3-4/-5); before MQTT 5 `invalidQoS` (0x81) for QoS 3; in MQTT 5 `invalidSubscriptionOptions`
    ///   (0x82) for QoS 3 or Retain Handling 3, which that version calls protocol errors.
    init(byte: UInt8, version: MQTTProtocolVersion) throws {
        let reservedBits: UInt8 = version.hasProperties ? 0b1100_0000 : 0b1111_1100
        guard byte & reservedBits == 0 else { throw MQTTProtocolError.reservedBitsSet(.subscribe) }
        guard let qos = MQTTQoS(rawValue: byte & 0b11) else {
            throw version.hasProperties ? MQTTProtocolError.invalidSubscriptionOptions(byte) : MQTTProtocolError.invalidQoS(3)
        }
        guard let retainHandling = RetainHandling(rawValue: (byte >> 4) & 0b11) else {
            throw MQTTProtocolError.invalidSubscriptionOptions(byte)
        }
        self.init(qos: qos, noLocal: byte & 0b0100 != 0, retainAsPublished: byte & 0b1000 != 0, retainHandling: retainHandling)
    }

    /// The options byte for `version`; MQTT 3.1 and 3.1.1 get only the QoS.
    func byte(version: MQTTProtocolVersion) -> UInt8 {
        guard version.hasProperties else { return qos.rawValue }
        return qos.rawValue | (noLocal ? 0b0100 : 0) | (retainAsPublished ? 0b1000 : 0) | retainHandling.rawValue << 4
    }
}

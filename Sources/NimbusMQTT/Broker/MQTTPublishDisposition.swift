/// What becomes of a client's PUBLISH once the dialect's hooks have handled it.
public enum MQTTPublishDisposition: Sendable, Hashable {
    /// Subscribers get it too, as any MQTT message.
    case route
    /// The dialect took it over (a device's key-value update, answered on the same topic with a revision):
    /// subscribers do not get the client's own message.
    case consumed
}

/// Thrown by `MQTTHooks.received` for a message the dialect will never accept, such as an event whose payload is
/// not JSON: retrying cannot help, so it is answered (MQTT 5) or acknowledged and dropped (3.1.1), not retried.
public struct MQTTPublishRefusal: Error, Sendable, Hashable {
    /// An MQTT 5 PUBACK/PUBREC reason code, such as 0x99 Payload format invalid.
    public var reasonCode: MQTTReasonCode
    /// Said to MQTT 5 clients as the Reason String, and logged.
    public var reason: String

    public init(_ reasonCode: MQTTReasonCode, reason: String) {
        self.reasonCode = reasonCode
        self.reason = reason
    }
}

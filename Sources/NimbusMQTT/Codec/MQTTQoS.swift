/// The delivery guarantee of a message or the maximum granted to a subscription.
///
/// `Comparable` because the spec compares QoS levels: a subscriber receives the minimum of the message's and the
/// subscription's QoS, and overlapping subscriptions deliver at the maximum of theirs.
public enum MQTTQoS: UInt8, Sendable, Hashable, CaseIterable, Comparable {
    /// QoS 0: fire and forget, no packet identifier.
    case atMostOnce = 0
    /// QoS 1: acknowledged with PUBACK, may be duplicated.
    case atLeastOnce = 1
    /// QoS 2: the PUBREC/PUBREL/PUBCOMP handshake, delivered once.
    case exactlyOnce = 2

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

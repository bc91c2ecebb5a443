/// Identifies a session: the same client identifier in two projects names two different sessions, so neither can
/// take over or resume the other's.
public struct MQTTSessionKey: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var mountPoint: String
    public var clientIdentifier: String

    public init(mountPoint: String, clientIdentifier: String) {
        self.mountPoint = mountPoint
        self.clientIdentifier = clientIdentifier
    }

    /// Ordered so that picking a shared subscription member round-robin is deterministic.
    public static func < (lhs: Self, rhs: Self) -> Bool {
        (lhs.mountPoint, lhs.clientIdentifier) < (rhs.mountPoint, rhs.clientIdentifier)
    }

    public var description: String { "\(mountPoint)\(clientIdentifier)" }
}

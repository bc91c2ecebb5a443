/// Identifies a session: its mount point (project), the principal that owns it, and the client identifier.
///
/// The same client identifier in two projects names two different sessions, and so does the same client
/// identifier used by two principals of one project (two devices, or two project keys): a session belongs to the
/// principal that created it, so no other credential can resume it, receive what it is owed, or take it over by
/// guessing its client identifier. Fleets whose devices all send one hard-coded client identifier keep working,
/// each device in a session of its own.
public struct MQTTSessionKey: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var mountPoint: String
    /// Who the session belongs to, as the hooks name principals (`MQTTClient.owner`), such as `"device:17"`.
    public var owner: String
    public var clientIdentifier: String

    public init(mountPoint: String, owner: String, clientIdentifier: String) {
        self.mountPoint = mountPoint
        self.owner = owner
        self.clientIdentifier = clientIdentifier
    }

    /// Ordered so that picking a shared subscription member round-robin is deterministic.
    public static func < (lhs: Self, rhs: Self) -> Bool {
        (lhs.mountPoint, lhs.clientIdentifier, lhs.owner) < (rhs.mountPoint, rhs.clientIdentifier, rhs.owner)
    }

    public var description: String { "\(mountPoint)\(clientIdentifier) (\(owner))" }

    /// The key of every session of this owner in this mount point (no client identifier), for counting them.
    var ownerKey: MQTTSessionKey { MQTTSessionKey(mountPoint: mountPoint, owner: owner, clientIdentifier: "") }
}

import Foundation

/// What one server's MQTT broker tells the others' over the bus (topic `.brokers`; `docs/scale-out.md`): a message it
/// routed, or that a client connected to it with a session. The core only carries it; the server's relay turns it
/// back into the broker's types.
public struct BrokerNote: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable {
        /// `message` was routed on the sending server.
        case published
        /// A client connected to the sending server with the session of `mountPoint`, `owner`, `clientIdentifier`.
        case sessionClaimed
    }

    public var kind: Kind
    /// The server that sent it (its own notes come back to it and are skipped).
    public var origin: String
    /// The message as the broker archives it (an MQTT 5 PUBLISH packet), for `published`.
    public var message: Data?
    /// The mount point, and the publisher's session or the claimed one.
    public var mountPoint: String
    public var owner: String?
    public var clientIdentifier: String?

    public init(kind: Kind, origin: String, message: Data?, mountPoint: String, owner: String?, clientIdentifier: String?) {
        self.kind = kind
        self.origin = origin
        self.message = message
        self.mountPoint = mountPoint
        self.owner = owner
        self.clientIdentifier = clientIdentifier
    }
}

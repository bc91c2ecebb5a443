/// A client the hooks admitted: where it lives (its project's mount point) and who it is.
///
/// The broker only reads `mountPoint` and `clientIdentifier`; `name` and `context` belong to the hooks, which get
/// this value back with every later question about the client (may it publish? it subscribed…).
public struct MQTTClient: Sendable {
    /// The prefix of the client's topic tree, such as `"p42/"`: every topic and filter of the client is read
    /// inside it, so clients of one project never see another's topics, retained messages or sessions. Empty for
    /// the whole tree. Give it a trailing `/` so that `"p4"` and `"p42"` stay apart.
    public var mountPoint: String
    /// The MQTT client identifier. Sessions are keyed by mount point, owner and client identifier.
    public var clientIdentifier: String
    /// The principal the client's session belongs to, in the hooks' own words (`"device:17"`, `"key:3"`): a stable
    /// name for the credential, never a secret. Another principal presenting the same client identifier gets a
    /// session of its own, so it can neither resume this one nor end its connection.
    public var owner: String
    /// How logs name the client (for example `"device 17 of project 42"`); never a secret.
    public var name: String
    /// The dialect's own data about the client, such as its authenticated principal, so that later hook calls
    /// need not look it up again. The broker never reads it.
    public var context: (any Sendable)?

    public init(mountPoint: String, owner: String, clientIdentifier: String, name: String, context: (any Sendable)? = nil) {
        self.mountPoint = mountPoint
        self.owner = owner
        self.clientIdentifier = clientIdentifier
        self.name = name
        self.context = context
    }

    /// The key of the client's session in the broker.
    public var sessionKey: MQTTSessionKey {
        MQTTSessionKey(mountPoint: mountPoint, owner: owner, clientIdentifier: clientIdentifier)
    }
}

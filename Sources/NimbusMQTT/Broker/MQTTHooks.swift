/// How a dialect (MODE, Cayenne, …) plugs into the generic broker: it admits clients, authorises their topics and
/// turns their publications into use cases of the core. The broker knows nothing of dialects beyond this protocol.
///
/// Topics and filters given to and returned by hooks are *inside* the client's mount point (without it): a
/// dialect reasons about its own topic tree and cannot reach another project's by mistake.
public protocol MQTTHooks: Sendable {
    /// Decides who a connecting client is and which mount point confines it.
    func authenticate(_ request: MQTTConnectRequest) async -> MQTTAuthentication

    /// Whether `client` may publish to `topic`. Synchronous because it runs for every PUBLISH; decide from
    /// `client.context`, not from I/O.
    func mayPublish(_ client: MQTTClient, topic: String) -> Bool

    /// Whether `client` may subscribe to `filter` (as the client sent it, `$share/…` prefix included).
    func maySubscribe(_ client: MQTTClient, filter: String) -> Bool

    /// A client's PUBLISH, called before it is acknowledged so that an acknowledged message is durable: the
    /// dialect turns it into a core use case. Throwing refuses the message (it is neither acknowledged as
    /// delivered nor routed).
    func received(_ message: MQTTMessage, from client: MQTTClient) async throws

    /// The client is connected (after CONNACK).
    func connected(_ client: MQTTClient) async

    /// The client's connection ended, for whatever reason.
    func disconnected(_ client: MQTTClient) async

    /// The client subscribed to `filter`: messages to send it right after SUBACK, such as the current values of
    /// a key-value store it just started watching (topics without mount point).
    func subscribed(_ client: MQTTClient, filter: String) async -> [MQTTMessage]
}

/// Defaults for the notifications, so that hooks which only admit and authorise (anonymous access, tests) need
/// implement just the first three requirements, and messages are then routed as plain MQTT.
extension MQTTHooks {
    public func received(_ message: MQTTMessage, from client: MQTTClient) async throws {}

    public func connected(_ client: MQTTClient) async {}

    public func disconnected(_ client: MQTTClient) async {}

    public func subscribed(_ client: MQTTClient, filter: String) async -> [MQTTMessage] { [] }
}

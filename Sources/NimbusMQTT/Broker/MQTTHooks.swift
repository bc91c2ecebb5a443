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

    /// Whether `received` must see the client's PUBLISH to `topic` before it is acknowledged. Synchronous and
    /// cheap, like `mayPublish`: for plain MQTT topics the answer is `false` and the message is routed at once.
    func handlesPublications(to topic: String, from client: MQTTClient) -> Bool

    /// A client's PUBLISH on a topic the dialect handles, called before it is acknowledged so that an
    /// acknowledged message is durable: the dialect turns it into a core use case.
    ///
    /// - Returns: whether subscribers get the message too (`route`), or the dialect took it over (`consumed`).
    /// - Throws: `MQTTPublishRefusal` for a message the dialect will never take (bad payload): it is answered with
    ///   that reason code (MQTT 5) or acknowledged and dropped (3.1.1, which cannot say no). Any other error means
    ///   "not stored, try again": MQTT 5 gets 0x80, an older client is disconnected without an acknowledgement so
    ///   that it sends the message again.
    func received(_ message: MQTTMessage, from client: MQTTClient) async throws -> MQTTPublishDisposition

    /// Checks, at CONNECT, a will on a topic the dialect handles (`handlesPublications`) as `received` will check it
    /// when it goes out, so that a will the dialect would refuse refuses the connection instead of being lost later.
    /// A will that passes goes through `received` when it is published, like a PUBLISH.
    ///
    /// - Throws: `MQTTPublishRefusal`: the CONNECT is answered with its reason code (MQTT 5), or 0x05 Not authorized.
    func checkWill(_ will: MQTTMessage, from client: MQTTClient) throws

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
    public func handlesPublications(to topic: String, from client: MQTTClient) -> Bool { false }

    public func received(_ message: MQTTMessage, from client: MQTTClient) async throws -> MQTTPublishDisposition {
        .route
    }

    public func checkWill(_ will: MQTTMessage, from client: MQTTClient) throws {}

    public func connected(_ client: MQTTClient) async {}

    public func disconnected(_ client: MQTTClient) async {}

    public func subscribed(_ client: MQTTClient, filter: String) async -> [MQTTMessage] { [] }
}

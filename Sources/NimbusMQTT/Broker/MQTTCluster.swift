/// The brokers of the other servers sharing one database (`docs/scale-out.md`), as this broker sees them: it hands
/// them what it routes and tells them when a client connects here, and the server's relay (which carries both over
/// the database) calls `MQTTBroker.routeFromCluster` and `MQTTBroker.release` with what they send. The broker knows
/// nothing of how.
public protocol MQTTCluster: Sendable {
    /// A message this broker routed (a client's PUBLISH, a will, a dialect's message), for the others to route to
    /// their own subscribers.
    func forward(_ message: MQTTMessage, in mountPoint: String, from publisher: MQTTSessionKey?)
    /// A client connected here with this session: a broker that holds it lets it go.
    func claim(_ key: MQTTSessionKey)
    /// A client connected here (connection `connection` of this broker) left a will: kept where the other servers
    /// find it, so that one of them publishes it if this server dies with the connection open.
    func holdWill(_ will: MQTTMessage, of key: MQTTSessionKey, connection: Int) async
    /// That connection ended here (its will published, delayed or dropped by this broker): the kept copy goes.
    func dropWill(of key: MQTTSessionKey, connection: Int) async
}

/// Admits clients that present no user name into one project's topic tree and lets them do anything inside it
/// (`--mqtt-anonymous-project`): for development and closed networks, never the default.
///
/// A client that does present a user name is `notRecognised`, so a dialect's hooks can still authenticate it:
/// sending credentials means the client expects to be checked, and must not silently land here.
public struct MQTTAnonymousHooks: MQTTHooks {
    /// The mount point every anonymous client is confined to, such as `"p42/"`.
    public let mountPoint: String

    public init(mountPoint: String) {
        self.mountPoint = mountPoint
    }

    public func authenticate(_ request: MQTTConnectRequest) async -> MQTTAuthentication {
        guard request.username == nil else { return .notRecognised }
        let name = "anonymous client \(request.clientIdentifier) in \(mountPoint.isEmpty ? "the root" : mountPoint)"
        // Anonymous clients are one principal: like clients of a broker without authentication, they share the
        // client identifier space of the mount point.
        return .accepted(
            MQTTClient(mountPoint: mountPoint, owner: "anonymous", clientIdentifier: request.clientIdentifier, name: name))
    }

    /// Everything inside the mount point is allowed; the mount point itself keeps the client out of other trees.
    public func mayPublish(_ client: MQTTClient, topic: String) -> Bool { true }

    public func maySubscribe(_ client: MQTTClient, filter: String) -> Bool { true }
}

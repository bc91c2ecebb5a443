/// Live streams: what a dialect's WebSocket or MQTT link forwards to its clients. Dialects subscribe here
/// rather than on the bus, so the core decides which principal may watch which topic, and a dialect never
/// learns the bus's topics.
public struct LiveUseCases: Sendable {
    let environment: CoreEnvironment

    /// A user's stream: the events of every home they belong to, and the revocation of the session the
    /// stream was opened with.
    public func userEvents(of principal: Principal) throws -> BusSubscription {
        let user = try AccessPolicy.requireUser(principal)
        let sessionId = try AccessPolicy.requireSession(principal)
        return environment.bus.subscribe(to: [.user(user.userId), .session(sessionId)])
    }

    /// A device's own channel: its commands, its key-value changes and the revocation of its key.
    public func deviceChannel(of principal: Principal) throws -> BusSubscription {
        environment.bus.subscribe(to: [.device(try AccessPolicy.requireDevice(principal))])
    }

    /// Every event of a project, whatever its home, for a project key with the `events` permission (a
    /// backend's feed; rules and the console will watch the same topic).
    public func projectEvents(of principal: Principal) throws -> BusSubscription {
        let key = try AccessPolicy.requireKey(principal, .events)
        return environment.bus.subscribe(to: [.project(key.projectId)])
    }
}

import Foundation

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

    /// A Cayenne account's stream: the readings of its things and their commands' status, and the revocation of
    /// the sign-in it was opened with. Needs `devices: view` in the account.
    /// - Returns: the subscription, and the account (home) it watches.
    public func accountStream(accountId: Int?, of principal: Principal) async throws -> (subscription: BusSubscription, accountId: Int) {
        let sessionId = try AccessPolicy.requireSession(principal)
        let homeId = try await mayWatchAccount(accountId, principal)
        return (environment.bus.subscribe(to: [.home(homeId), .session(sessionId)]), homeId)
    }

    /// Throws what `accountStream` would refuse the caller with, before a WebSocket is opened for it.
    /// - Returns: the account (home) the stream would watch.
    @discardableResult
    public func mayWatchAccount(_ accountId: Int?, _ principal: Principal) async throws -> Int {
        _ = try AccessPolicy.requireSession(principal)
        return try await environment.store.read { tx in
            try await AccessPolicy.account(accountId, of: principal, needs: (.devices, .view), in: tx).0.id
        }
    }

    /// A thing as a live stream names it: its UUID, and for a child sensor its parent's UUID and its channel.
    public struct ThingName: Sendable, Hashable {
        public var uuid: UUID
        public var parentUUID: UUID?
        public var channel: String?
    }

    /// These things of the account, by internal id, as a stream names them (ids of other accounts are left out):
    /// what a stream needs to name the things of the readings and commands it forwards, read once per thing.
    public func thingNames(_ ids: Set<Int>, accountId: Int, of principal: Principal) async throws -> [Int: ThingName] {
        try await environment.store.read { tx in
            let (home, _) = try await AccessPolicy.account(accountId, of: principal, needs: (.devices, .view), in: tx)
            let things = try await tx.devices.get(ids: Array(ids)).filter { $0.homeId == home.id }
            let parentIds = Set(things.compactMap(\.parentId))
            let parents = parentIds.isEmpty ? [:] : Dictionary(
                try await tx.devices.get(ids: Array(parentIds)).map { ($0.id, $0.uuid) }, uniquingKeysWith: { first, _ in first })
            return Dictionary(
                things.map { ($0.id, ThingName(uuid: $0.uuid, parentUUID: $0.parentId.flatMap { parents[$0] }, channel: $0.channel)) },
                uniquingKeysWith: { first, _ in first })
        }
    }
}

import Foundation

/// Accepting events from devices and backends. An event is acknowledged only once it is stored,
/// together with the rows the dialects' observers derive from it (MODE's webhook deliveries); then it goes
/// live to its project's topic and its home's members.
public struct EventUseCases: Sendable {
    let environment: CoreEnvironment
    let writer: EventIngest

    init(environment: CoreEnvironment) {
        self.environment = environment
        let publisher = EventPublisher(
            store: environment.store, bus: environment.bus, logger: environment.logger, queueLimit: environment.livePublishQueue)
        self.writer = EventIngest(store: environment.store, observers: environment.eventObservers + [publisher])
    }

    /// An event sent by a device about itself, the device being the caller (`principal` is `.device(deviceId)`),
    /// for a caller that cannot await: checks it at once (throws as `fromDevice` would), then `completion` runs on
    /// the committing or flushing thread once it is durable, or with the reason it is not. It must not block.
    public func submitFromDevice(
        _ deviceId: Int, eventType: String, eventData: [String: JSONValue],
        completion: @escaping @Sendable (Result<Void, any Error>) -> Void
    ) throws {
        try Self.validate(eventType: eventType)
        writer.submit(.device(id: deviceId, eventType: eventType, eventData: eventData, timestamp: environment.clock.now()), completion: completion)
    }

    /// An event sent by a device about itself.
    public func fromDevice(_ deviceId: Int, eventType: String, eventData: [String: JSONValue], by principal: Principal) async throws {
        try Self.validate(eventType: eventType)
        if case .device(let caller, _) = principal, caller == deviceId {
            // The device itself, the usual case: it is looked up with the rest of its batch, in the same
            // transaction as the write (a device that no longer exists gets "not found", as below).
            try await writer.write(.device(id: deviceId, eventType: eventType, eventData: eventData, timestamp: environment.clock.now()))
            return
        }
        let device = try await environment.store.read { tx in try await AccessPolicy.device(deviceId, for: principal, .selfOnly, in: tx) }
        try await writer.write(.resolved(NewEvent(
            projectId: device.projectId, homeId: device.homeId, eventType: eventType, eventData: eventData,
            origin: .device(id: device.id, deviceClass: device.deviceClass), timestamp: environment.clock.now())))
    }

    /// An event injected into a home by a backend holding a project key with the `events` permission.
    public func toHome(_ homeId: Int, eventType: String, eventData: [String: JSONValue], by principal: Principal) async throws {
        let key = try AccessPolicy.requireKey(principal, .events)
        try Self.validate(eventType: eventType)
        let home = try await environment.store.read { tx in try await AccessPolicy.home(homeId, for: principal, .write(.events), in: tx) }
        try await writer.write(.resolved(NewEvent(
            projectId: home.projectId, homeId: home.id, eventType: eventType, eventData: eventData,
            origin: .projectKey(id: key.keyId, name: key.name), timestamp: environment.clock.now())))
    }

    /// The most recent events of a home the caller belongs to, newest first (at most `limit`, up to 1,000).
    public func recent(homeId: Int, limit: Int, by principal: Principal) async throws -> [Event] {
        try await environment.store.read { tx in
            _ = try await AccessPolicy.home(homeId, for: principal, .read, in: tx)
            return try await tx.events.recent(homeId: homeId, limit: min(max(limit, 1), 1000))
        }
    }

    static func validate(eventType: String) throws {
        try Validation.type(eventType, field: "eventType")
    }
}

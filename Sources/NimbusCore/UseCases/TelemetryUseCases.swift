import Foundation

/// What things said: the latest reading of each channel (the status screen). Every call acts in the caller's
/// account and needs its `history: view` permission; another account's things are "not found".
public struct TelemetryUseCases: Sendable {
    let environment: CoreEnvironment

    /// A channel of a thing with its latest reading.
    public struct ChannelState: Sendable, Hashable {
        /// The child thing that stands for the channel (the thing itself for a child asked about).
        public var sensor: Device
        public var reading: Reading
    }

    /// The latest reading of each channel of a thing: its children's, or its own for a child thing; channels
    /// that never reported are left out. In channel order (numbers first, by value).
    public func state(of thingId: UUID, accountId: Int?, by principal: Principal) async throws -> [ChannelState] {
        try await environment.store.read { tx in
            let (home, _) = try await AccessPolicy.account(accountId, of: principal, needs: (.history, .view), in: tx)
            let thing = try await ThingUseCases.device(thingId, in: home, tx: tx)
            let sensors = thing.parentId == nil ? try await tx.devices.children(of: [thing.id]) + [thing] : [thing]
            return try await Self.states(of: sensors, tx: tx)
        }
    }

    /// The latest reading of one sensor of a thing (the thing's child, or the thing itself), or `nil` before its
    /// first reading.
    public func latest(of thingId: UUID, sensorId: UUID, accountId: Int?, by principal: Principal) async throws -> ChannelState? {
        try await environment.store.read { tx in
            let (home, _) = try await AccessPolicy.account(accountId, of: principal, needs: (.history, .view), in: tx)
            let thing = try await ThingUseCases.device(thingId, in: home, tx: tx)
            let sensor = try await ThingUseCases.device(sensorId, in: home, tx: tx)
            guard sensor.id == thing.id || sensor.parentId == thing.id else { throw NimbusError.notFound("sensor") }
            return try await Self.states(of: [sensor], tx: tx).first
        }
    }

    private static func states(of sensors: [Device], tx: any StoreTransaction) async throws -> [ChannelState] {
        let byId = Dictionary(sensors.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let states = try await tx.readings.latest(sensorIds: sensors.map(\.id)).compactMap { reading in
            byId[reading.sensorId].map { ChannelState(sensor: $0, reading: reading) }
        }
        return states.sorted { channelOrder($0.reading.channel, $1.reading.channel) }
    }

    /// `2` before `10` before `temp`.
    static func channelOrder(_ a: String, _ b: String) -> Bool {
        switch (Int(a), Int(b)) {
        case let (x?, y?): x < y
        case (_?, nil): true
        case (nil, _?): false
        case (nil, nil): a < b
        }
    }
}

import Foundation

/// What things said: the latest reading of each channel (the status screen) and a sensor's history over a range. Every call acts in the caller's
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
        try await states(of: [thingId], accountId: accountId, by: principal)[0].channels
    }

    /// The most things one call asks the state of (the status screen of a fleet: 100 things in one round trip).
    public static let maximumThingsPerState = 100

    /// The state of several things of the account at once, in the order asked (each as `state(of:)` gives it).
    public func states(of thingIds: [UUID], accountId: Int?, by principal: Principal) async throws -> [(thingId: UUID, channels: [ChannelState])] {
        guard !thingIds.isEmpty, thingIds.count <= Self.maximumThingsPerState else {
            throw NimbusError.invalidInput(field: "devices", reason: "1 to \(Self.maximumThingsPerState) thing ids")
        }
        return try await environment.store.read { tx in
            let (home, _) = try await AccessPolicy.account(accountId, of: principal, needs: (.history, .view), in: tx)
            // Three queries however many things: the things, their children, the latest values of them all.
            let things = Dictionary(
                try await tx.devices.find(uuids: Array(Set(thingIds))).filter { $0.homeId == home.id && $0.projectId == home.projectId }
                    .map { ($0.uuid, $0) }, uniquingKeysWith: { first, _ in first })
            guard thingIds.allSatisfy({ things[$0] != nil }) else { throw NimbusError.notFound("thing") }
            let topLevel = things.values.filter { $0.parentId == nil }.map(\.id)
            var sensors: [Int: [Device]] = [:]
            for child in try await tx.devices.children(of: topLevel) { if let parent = child.parentId { sensors[parent, default: []].append(child) } }
            for thing in things.values { sensors[thing.id, default: []].append(thing) }
            let latest = try await tx.readings.latest(sensorIds: sensors.values.flatMap { $0.map(\.id) })
            var readings: [Int: [Reading]] = [:]
            for reading in latest { readings[reading.sensorId, default: []].append(reading) }
            return thingIds.map { thingId in
                let thing = things[thingId]!
                let channels = (sensors[thing.id] ?? []).flatMap { sensor in (readings[sensor.id] ?? []).map { ChannelState(sensor: sensor, reading: $0) } }
                return (thingId, channels.sorted { Self.channelOrder($0.reading.channel, $1.reading.channel) })
            }
        }
    }

    /// The latest reading of one sensor of a thing (the thing's child, or the thing itself), or `nil` before its
    /// first reading.
    public func latest(of thingId: UUID, sensorId: UUID, accountId: Int?, by principal: Principal) async throws -> ChannelState? {
        try await environment.store.read { tx in
            let (home, _) = try await AccessPolicy.account(accountId, of: principal, needs: (.history, .view), in: tx)
            let sensor = try await Self.sensor(sensorId, of: thingId, in: home, tx: tx)
            return try await Self.states(of: [sensor], tx: tx).first { sensor.channel == nil || $0.reading.channel == sensor.channel }
        }
    }

    /// A sensor's readings over a range, as raw readings or rolled up.
    public enum History: Sendable, Hashable {
        /// Newest first.
        case raw([Reading])
        /// Newest first, in buckets of one size.
        case rolledUp(RollupSize, [ReadingRollup])
    }

    /// The most points a range answers with.
    public static let maximumPoints = 10_000

    /// A sensor's readings from `from` to `to`: raw when asked for or when there are at most `points` of them,
    /// else rolled up in the smallest buckets (minute, hour, day) that cover the range in at most `points`; never
    /// more than `points` items, the newest. Also the sensor's latest reading (for its type and unit).
    public func history(
        of thingId: UUID, sensorId: UUID, from: Date, to: Date, points: Int, raw: Bool, accountId: Int?, by principal: Principal
    ) async throws -> (history: History, latest: Reading?) {
        guard from <= to else { throw NimbusError.invalidInput(field: "startDate", reason: "must not be after endDate") }
        guard (1...Self.maximumPoints).contains(points) else {
            throw NimbusError.invalidInput(field: "points", reason: "1 to \(Self.maximumPoints)")
        }
        return try await environment.store.read { tx in
            let (home, _) = try await AccessPolicy.account(accountId, of: principal, needs: (.history, .view), in: tx)
            let sensor = try await Self.sensor(sensorId, of: thingId, in: home, tx: tx)
            let latest = try await tx.readings.latest(sensorIds: [sensor.id]).first { sensor.channel == nil || $0.channel == sensor.channel }
            // A channel sensor's own channel; a thing asked about itself, the channel it reported on last.
            guard let channel = sensor.channel ?? latest?.channel else { return (.raw([]), nil) }
            // The day rollups say about how many numeric readings the range holds (a few hundred rows at most).
            let days = try await tx.readings.rollups(sensorId: sensor.id, channel: channel, size: .day, from: from, to: to, limit: 100_000)
            let span = to.timeIntervalSince(from)
            if raw || days.reduce(0, { $0 + $1.count }) <= points {
                return (.raw(try await tx.readings.readings(sensorId: sensor.id, channel: channel, from: from, to: to, before: nil, limit: points)), latest)
            }
            let size = RollupSize.allCases.first { span / $0.seconds <= Double(points) } ?? .day
            let rollups = try await tx.readings.rollups(sensorId: sensor.id, channel: channel, size: size, from: from, to: to, limit: points)
            return (.rolledUp(size, rollups), latest)
        }
    }

    /// What reports a thing's channels: its children and itself, or itself alone for a child thing.
    static func sensors(of thing: Device, tx: any StoreTransaction) async throws -> [Device] {
        thing.parentId == nil ? try await tx.devices.children(of: [thing.id]) + [thing] : [thing]
    }

    /// A sensor of a thing of the account: the thing's child, or the thing itself.
    private static func sensor(_ sensorId: UUID, of thingId: UUID, in home: Home, tx: any StoreTransaction) async throws -> Device {
        let thing = try await ThingUseCases.device(thingId, in: home, tx: tx)
        let sensor = try await ThingUseCases.device(sensorId, in: home, tx: tx)
        guard sensor.id == thing.id || sensor.parentId == thing.id else { throw NimbusError.notFound("sensor") }
        return sensor
    }

    static func states(of sensors: [Device], tx: any StoreTransaction) async throws -> [ChannelState] {
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

import Foundation

/// The history service's reads over ranges (`cayenne-clients.md` §4, H5): a thing's readings a page at a time, one
/// channel in buckets, where things are (map-state) and the track each has left. Same account and permission as the
/// rest of `TelemetryUseCases`.
extension TelemetryUseCases {
    /// The most readings or track points one page holds.
    public static let maximumPage = 1_000

    /// One page of a thing's readings (of one channel, or of all its channels), newest first by time then id,
    /// before `before` when given; `next` is where the following page starts (`nil` after the last).
    public func readings(
        of thingId: UUID, channel: String?, from: Date, to: Date, before: ReadingPosition?, limit: Int, accountId: Int?, by principal: Principal
    ) async throws -> (readings: [ChannelReading], next: ReadingPosition?) {
        try Self.checkRange(from, to, limit: limit)
        return try await environment.store.read { tx in
            let (sensors, channels) = try await Self.channels(of: thingId, only: channel, accountId: accountId, by: principal, tx: tx)
            var merged: [Reading] = []
            // Each channel's newest `limit` before the cursor, merged: the page is the newest `limit` of them all.
            for channel in channels {
                merged += try await tx.readings.readings(
                    sensorId: channel.sensorId, channel: channel.channel, from: from, to: to, before: before, limit: limit)
            }
            return Self.page(of: merged, newestFirst: true, limit: limit, sensors: sensors)
        }
    }

    /// A reading with the thing that stands for its channel.
    public struct ChannelReading: Sendable, Hashable {
        public var sensor: Device
        public var reading: Reading
    }

    /// One channel of a thing from `from` to `to` in buckets of `size`, oldest first (`ReadingAggregation`).
    public func buckets(
        of thingId: UUID, channel: String, from: Date, to: Date, size: BucketSize, accountId: Int?, by principal: Principal
    ) async throws -> [ReadingBucket] {
        try await environment.store.read { tx in
            let (_, channels) = try await Self.channels(of: thingId, only: channel, accountId: accountId, by: principal, tx: tx)
            return try await ReadingAggregation.buckets(of: channels[0], from: from, to: to, size: size, field: "interval", in: tx)
        }
    }

    /// Where each thing asked about was last, in the order asked: its newest location reading (GPS) of any of its
    /// channels, `nil` for a thing that never sent one.
    public func locations(of thingIds: [UUID], accountId: Int?, by principal: Principal) async throws -> [(thingId: UUID, location: Reading?)] {
        try await states(of: thingIds, accountId: accountId, by: principal).map { thingId, channels in
            (thingId, channels.map(\.reading).filter { $0.location != nil }.max { ($0.timestamp, $0.id) < ($1.timestamp, $1.id) })
        }
    }

    /// One page of the track a thing has left: its location readings from `from` to `to`, oldest first, after `after`
    /// when given; `next` is where the following page starts.
    public func track(
        of thingId: UUID, from: Date, to: Date, after: ReadingPosition?, limit: Int, accountId: Int?, by principal: Principal
    ) async throws -> (points: [ChannelReading], next: ReadingPosition?) {
        try Self.checkRange(from, to, limit: limit)
        return try await environment.store.read { tx in
            let (home, _) = try await AccessPolicy.account(accountId, of: principal, needs: (.history, .view), in: tx)
            let sensors = try await Self.sensors(of: try await ThingUseCases.device(thingId, in: home, tx: tx), tx: tx)
            let byId = Dictionary(sensors.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
            // The channels whose latest reading is a location are the thing's location channels.
            let locationChannels = try await tx.readings.latest(sensorIds: sensors.map(\.id)).filter { $0.location != nil }
            var merged: [Reading] = []
            for channel in locationChannels {
                merged += try await tx.readings.page(
                    sensorId: channel.sensorId, channel: channel.channel, from: from, to: to, after: after, limit: limit)
            }
            let (points, next) = Self.page(of: merged.filter { $0.location != nil }, newestFirst: false, limit: limit, sensors: byId)
            return (points, next)
        }
    }

    /// The first `limit` of readings merged from several channels, each read up to `limit` from the same position, in
    /// order of (time, id); `next` is the last one's position when the page is full.
    private static func page(
        of merged: [Reading], newestFirst: Bool, limit: Int, sensors: [Int: Device]
    ) -> (readings: [ChannelReading], next: ReadingPosition?) {
        let page = merged.sorted { newestFirst ? ($0.timestamp, $0.id) > ($1.timestamp, $1.id) : ($0.timestamp, $0.id) < ($1.timestamp, $1.id) }
            .prefix(limit)
        let next = page.count == limit ? page.last.map { ReadingPosition(timestamp: $0.timestamp, id: $0.id) } : nil
        return (page.compactMap { reading in sensors[reading.sensorId].map { ChannelReading(sensor: $0, reading: reading) } }, next)
    }

    private static func checkRange(_ from: Date, _ to: Date, limit: Int) throws {
        guard from <= to else { throw NimbusError.invalidInput(field: "startDate", reason: "must not be after endDate") }
        guard (1...maximumPage).contains(limit) else { throw NimbusError.invalidInput(field: "limit", reason: "1 to \(maximumPage)") }
    }

    /// The thing's sensors by id, and its channels that have readings: all of them, or the one named (404 when it has
    /// none).
    static func channels(
        of thingId: UUID, only channel: String?, accountId: Int?, by principal: Principal, tx: any StoreTransaction
    ) async throws -> (sensors: [Int: Device], channels: [SensorChannel]) {
        let (home, _) = try await AccessPolicy.account(accountId, of: principal, needs: (.history, .view), in: tx)
        let sensors = try await Self.sensors(of: try await ThingUseCases.device(thingId, in: home, tx: tx), tx: tx)
        var channels = try await tx.readings.channels(sensorIds: sensors.map(\.id))
        if let channel {
            channels = channels.filter { $0.channel == channel }
            guard !channels.isEmpty else { throw NimbusError.notFound("channel") }
        }
        return (Dictionary(sensors.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first }), channels)
    }
}

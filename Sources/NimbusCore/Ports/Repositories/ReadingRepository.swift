import Foundation

/// The telemetry history: every reading, as reported.
public protocol ReadingRepository: Sendable {
    /// Stores the readings in order (their `id` is ignored) and returns them with their ids.
    func append(_ readings: [Reading]) async throws -> [Reading]
    /// A thing's most recent readings, newest first (the sensor's when `sensorId` is given).
    func recent(deviceId: Int, sensorId: Int?, limit: Int) async throws -> [Reading]
    /// Makes each reading its sensor channel's latest unless the channel has one of a later `timestamp`; at most one
    /// reading per sensor and channel (the caller keeps the newest of a batch).
    func updateLatest(_ readings: [Reading]) async throws
    /// The latest reading of each channel of these sensors that has one, in no particular order.
    func latest(sensorIds: [Int]) async throws -> [Reading]
    /// The latest reading of each channel of the devices now in the home (a device that reports itself), in no
    /// particular order.
    func latest(homeId: Int) async throws -> [Reading]
    /// Adds these rollups (at most one per sensor, channel, size and bucket) to the stored ones.
    func mergeRollups(_ rollups: [ReadingRollup]) async throws
    /// A sensor channel's rollups of one size whose buckets start from `from`'s bucket to `to`, newest first, at most
    /// `limit`.
    func rollups(sensorId: Int, channel: String, size: RollupSize, from: Date, to: Date, limit: Int) async throws -> [ReadingRollup]
    /// A sensor channel's readings taken from `from` to `to` (both included), newest first (by time, then id), before
    /// `before` when given, at most `limit`.
    func readings(sensorId: Int, channel: String, from: Date, to: Date, before: ReadingPosition?, limit: Int) async throws -> [Reading]
    /// A sensor channel's readings taken from `from` to `to`, oldest first (by time, then id), after `after` when
    /// given: one page of a walk through a range that holds any number of them, in the order of the index.
    func page(sensorId: Int, channel: String, from: Date, to: Date, after: ReadingPosition?, limit: Int) async throws -> [Reading]
    /// Sets a project's retention (both `nil`: keep everything).
    func setRetention(_ retention: ReadingRetention) async throws
    /// The projects that keep their readings or minute rollups for a limited time.
    func retentions() async throws -> [ReadingRetention]
    /// Every channel the project's things have reported on.
    func channels(projectId: Int) async throws -> [SensorChannel]
    /// Deletes at most `limit` of the channel's oldest readings taken before `before`; returns how many it deleted.
    func deleteReadings(of channel: SensorChannel, before: Date, limit: Int) async throws -> Int
    /// Deletes the channel's rollups of `size` whose buckets start before `before`.
    func deleteRollups(of channel: SensorChannel, size: RollupSize, before: Date) async throws
    /// The channels these sensors have reported on (one row each in the latest values), by sensor then channel.
    func channels(sensorIds: [Int]) async throws -> [SensorChannel]
}

/// Where a walk through readings (oldest first) stands: the last reading given.
public struct ReadingPosition: Sendable, Hashable {
    public var timestamp: Date
    public var id: Int

    public init(timestamp: Date, id: Int) {
        self.timestamp = timestamp
        self.id = id
    }
}

/// A channel of a sensor: what readings are walked, rolled up and kept the latest of by.
public struct SensorChannel: Sendable, Hashable {
    public var sensorId: Int
    public var channel: String

    public init(sensorId: Int, channel: String) {
        self.sensorId = sensorId
        self.channel = channel
    }
}

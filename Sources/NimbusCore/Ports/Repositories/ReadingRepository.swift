import Foundation

/// The telemetry history: every reading, as reported.
public protocol ReadingRepository: Sendable {
    /// Stores the readings in order (their `id` is ignored) and returns them with their ids.
    func append(_ readings: [Reading]) async throws -> [Reading]
    /// A thing's most recent readings, newest first (the sensor's when `sensorId` is given).
    func recent(deviceId: Int, sensorId: Int?, limit: Int) async throws -> [Reading]
    /// Makes each reading its sensor's latest unless the sensor has one of a later `timestamp`; at most one reading
    /// per sensor (the caller keeps the newest of a batch).
    func updateLatest(_ readings: [Reading]) async throws
    /// The latest reading of each of these sensors that has one, in no particular order.
    func latest(sensorIds: [Int]) async throws -> [Reading]
}

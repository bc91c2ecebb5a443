import Foundation

/// The telemetry history: every reading, as reported.
public protocol ReadingRepository: Sendable {
    /// Stores the readings in order (their `id` is ignored) and returns them with their ids.
    func append(_ readings: [Reading]) async throws -> [Reading]
    /// A thing's most recent readings, newest first (the sensor's when `sensorId` is given).
    func recent(deviceId: Int, sensorId: Int?, limit: Int) async throws -> [Reading]
}

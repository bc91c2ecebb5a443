import Foundation

/// A home's time series, as MODE's time-series module shows them: each channel a device of the home has readings on
/// (`ModeTimeSeries` says which events make them) is a series. Every call needs read access to the home and, for a
/// member, the account permission `history: view`; the module must be a `tsdb` module of the home's project. A
/// device that is not in the home, or a channel it has no reading on, is "not found".
public struct TimeSeriesUseCases: Sendable {
    let environment: CoreEnvironment

    /// A series: a device's channel and its latest reading.
    public struct Series: Sendable, Hashable {
        public var deviceId: Int
        public var channel: String
        public var latest: Reading
    }

    /// The series of the home's devices, by device then channel.
    public func list(homeId: Int, moduleId: String, by principal: Principal) async throws -> [Series] {
        try await environment.store.read { tx in
            let home = try await Self.home(homeId, moduleId: moduleId, by: principal, in: tx)
            return try await tx.readings.latest(homeId: home.id)
                .map { Series(deviceId: $0.sensorId, channel: $0.channel, latest: $0) }
                .sorted { ($0.deviceId, $0.channel) < ($1.deviceId, $1.channel) }
        }
    }

    /// One series.
    public func get(deviceId: Int, channel: String, homeId: Int, moduleId: String, by principal: Principal) async throws -> Series {
        try await environment.store.read { tx in
            try await Self.series(deviceId, channel, homeId: homeId, moduleId: moduleId, by: principal, in: tx)
        }
    }

    /// One series and the time of its first reading.
    public func timeRange(
        deviceId: Int, channel: String, homeId: Int, moduleId: String, by principal: Principal
    ) async throws -> (series: Series, begin: Date) {
        try await environment.store.read { tx in
            let series = try await Self.series(deviceId, channel, homeId: homeId, moduleId: moduleId, by: principal, in: tx)
            let first = try await tx.readings.page(
                sensorId: deviceId, channel: channel, from: .distantPast, to: series.latest.timestamp, after: nil, limit: 1).first
            return (series, first?.timestamp ?? series.latest.timestamp)
        }
    }

    /// A series' numbers from `from` to `to` in buckets of `size`, oldest first (`ReadingAggregation`).
    public func buckets(
        deviceId: Int, channel: String, homeId: Int, moduleId: String, from: Date, to: Date, size: BucketSize, by principal: Principal
    ) async throws -> [ReadingBucket] {
        try await environment.store.read { tx in
            _ = try await Self.series(deviceId, channel, homeId: homeId, moduleId: moduleId, by: principal, in: tx)
            return try await ReadingAggregation.buckets(
                of: SensorChannel(sensorId: deviceId, channel: channel), from: from, to: to, size: size, field: "resolution", in: tx)
        }
    }

    /// The most raw readings one call answers.
    public static let maximumRawReadings = 10_000

    /// At most `limit` of a series' readings taken at or after `from`, oldest first.
    public func readings(
        deviceId: Int, channel: String, homeId: Int, moduleId: String, from: Date, limit: Int, by principal: Principal
    ) async throws -> [Reading] {
        guard (1...Self.maximumRawReadings).contains(limit) else {
            throw NimbusError.invalidInput(field: "limit", reason: "1 to \(Self.maximumRawReadings)")
        }
        return try await environment.store.read { tx in
            _ = try await Self.series(deviceId, channel, homeId: homeId, moduleId: moduleId, by: principal, in: tx)
            return try await tx.readings.page(sensorId: deviceId, channel: channel, from: from, to: .distantFuture, after: nil, limit: limit)
        }
    }

    /// The home, once the caller may read its history through this module.
    private static func home(_ homeId: Int, moduleId: String, by principal: Principal, in tx: any StoreTransaction) async throws -> Home {
        let home = try await AccessPolicy.home(homeId, for: principal, .read, needs: (.history, .view), in: tx)
        guard let module = try await tx.smartModules.get(projectId: home.projectId, id: moduleId), module.moduleType == SmartModule.timeSeriesType else {
            throw NimbusError.notFound("smartModule")
        }
        return home
    }

    private static func series(
        _ deviceId: Int, _ channel: String, homeId: Int, moduleId: String, by principal: Principal, in tx: any StoreTransaction
    ) async throws -> Series {
        let home = try await home(homeId, moduleId: moduleId, by: principal, in: tx)
        guard let device = try await tx.devices.get(id: deviceId), device.homeId == home.id,
              let latest = try await tx.readings.latest(sensorIds: [deviceId]).first(where: { $0.channel == channel }) else {
            throw NimbusError.notFound("timeSeries")
        }
        return Series(deviceId: deviceId, channel: channel, latest: latest)
    }
}

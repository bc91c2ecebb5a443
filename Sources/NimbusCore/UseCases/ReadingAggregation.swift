import Foundation

/// A channel's history in buckets of any size, made from the stored rollups (the largest that divides the size:
/// hours for 6 h, days for weeks and months) or, under a minute, from the raw readings, so that the work is bounded
/// by the number of buckets, not by the number of readings.
enum ReadingAggregation {
    /// The most buckets one range makes.
    static let maximumBuckets = 10_000
    /// The most stored rollups one range is made of.
    static let maximumRollups = 100_000
    /// The most raw readings a range in buckets under a minute is made of.
    static let maximumRawReadings = 100_000

    /// The channel's numeric readings from `from` to `to` in buckets of `size`, oldest first; buckets without a
    /// reading are left out.
    static func buckets(
        of channel: SensorChannel, from: Date, to: Date, size: BucketSize, field: String, in tx: any StoreTransaction
    ) async throws -> [ReadingBucket] {
        guard from <= to else { throw NimbusError.invalidInput(field: "begin", reason: "must not be after end") }
        let span = to.timeIntervalSince(from)
        guard span / size.approximateSeconds < Double(maximumBuckets) else {
            throw NimbusError.invalidInput(field: field, reason: "the range would make more than \(maximumBuckets) buckets: choose a larger one")
        }
        // A bucket that starts before `from` is counted whole, as the stored rollups hold it.
        let start = size.start(of: from)
        if let source = size.source {
            guard to.timeIntervalSince(start) / source.seconds < Double(maximumRollups) else {
                throw NimbusError.invalidInput(field: field, reason: "too fine for so long a range: choose a larger one")
            }
            let rollups = try await tx.readings.rollups(
                sensorId: channel.sensorId, channel: channel.channel, size: source, from: start, to: to, limit: maximumRollups)
            return ReadingBucket.merge(rollups.map { ($0.start, $0.count, $0.min, $0.max, $0.sum) }, into: size)
        }
        let readings = try await tx.readings.readings(
            sensorId: channel.sensorId, channel: channel.channel, from: start, to: to, before: nil, limit: maximumRawReadings + 1)
        guard readings.count <= maximumRawReadings else {
            throw NimbusError.invalidInput(field: field, reason: "more than \(maximumRawReadings) readings in the range: choose 1 minute or more")
        }
        return ReadingBucket.merge(readings.compactMap { reading in reading.value.primary.map { (reading.timestamp, 1, $0, $0, $0) } }, into: size)
    }
}

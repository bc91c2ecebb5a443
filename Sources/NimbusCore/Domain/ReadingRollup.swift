import Foundation

/// The sizes of the buckets readings are rolled up in.
public enum RollupSize: String, Sendable, Hashable, CaseIterable {
    case minute, hour, day

    public var seconds: TimeInterval {
        switch self {
        case .minute: 60
        case .hour: 3_600
        case .day: 86_400
        }
    }

    /// The start of the bucket `date` falls in (UTC; the store computes the same for the readings it rolls up).
    public func start(of date: Date) -> Date {
        BucketSize.seconds(Int(seconds)).start(of: date)
    }
}

/// A sensor channel's numeric readings of one bucket, summed up: what a long range is answered from.
public struct ReadingRollup: Sendable, Hashable {
    public var sensorId: Int
    public var channel: String
    public var size: RollupSize
    public var start: Date
    public var count: Int
    public var min: Double
    public var max: Double
    public var sum: Double

    public init(sensorId: Int, channel: String, size: RollupSize, start: Date, count: Int, min: Double, max: Double, sum: Double) {
        self.sensorId = sensorId
        self.channel = channel
        self.size = size
        self.start = start
        self.count = count
        self.min = min
        self.max = max
        self.sum = sum
    }

    public var average: Double { sum / Double(Swift.max(count, 1)) }

    /// The rollups of these readings' numbers (each reading's first number: `ReadingValue.primary`), one per sensor,
    /// channel, size and bucket; text readings are left out.
    public static func of(_ readings: [Reading]) -> [ReadingRollup] {
        var rollups: [String: ReadingRollup] = [:]
        for reading in readings {
            guard let value = reading.value.primary else { continue }
            for size in RollupSize.allCases {
                let start = size.start(of: reading.timestamp)
                let key = "\(reading.sensorId)/\(reading.channel)/\(size.rawValue)/\(start.timeIntervalSince1970)"
                if var rollup = rollups[key] {
                    rollup.count += 1
                    rollup.min = Swift.min(rollup.min, value)
                    rollup.max = Swift.max(rollup.max, value)
                    rollup.sum += value
                    rollups[key] = rollup
                } else {
                    rollups[key] = ReadingRollup(
                        sensorId: reading.sensorId, channel: reading.channel, size: size, start: start, count: 1, min: value, max: value, sum: value)
                }
            }
        }
        return Array(rollups.values)
    }
}

import Foundation

/// The size of the buckets a history is asked in: any whole number of seconds (5 s, 10 min, an hour), or calendar
/// weeks and months. Buckets are UTC and aligned on the epoch (weeks start on Monday).
public enum BucketSize: Sendable, Hashable {
    case seconds(Int)
    case week
    case month

    /// About how long a bucket is, to bound how many a range makes.
    public var approximateSeconds: TimeInterval {
        switch self {
        case .seconds(let seconds): TimeInterval(seconds)
        case .week: 7 * 86_400
        case .month: 28 * 86_400
        }
    }

    /// The stored rollups the buckets are made of: the largest that divides them; `nil` under a minute (or for a
    /// length that is not whole minutes), made from the raw readings.
    var source: RollupSize? {
        switch self {
        case .week, .month: .day
        case .seconds(let seconds): RollupSize.allCases.reversed().first { seconds % Int($0.seconds) == 0 }
        }
    }

    /// The start of the bucket `date` falls in.
    public func start(of date: Date) -> Date {
        let time = date.timeIntervalSince1970
        switch self {
        case .seconds(let seconds):
            return Date(timeIntervalSince1970: (time / Double(seconds)).rounded(.down) * Double(seconds))
        case .week:
            // 1970-01-01 was a Thursday: Monday-based weekday of epoch day d is (d + 3) mod 7.
            let day = (time / 86_400).rounded(.down)
            let weekday = (day + 3).truncatingRemainder(dividingBy: 7)
            return Date(timeIntervalSince1970: (day - (weekday < 0 ? weekday + 7 : weekday)) * 86_400)
        case .month:
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = TimeZone(identifier: "UTC")!
            return calendar.date(from: calendar.dateComponents([.year, .month], from: date)) ?? date
        }
    }
}

/// A channel's numbers over one bucket of a history: what a chart draws.
public struct ReadingBucket: Sendable, Hashable {
    public var start: Date
    public var count: Int
    public var min: Double
    public var max: Double
    public var sum: Double

    public var average: Double { sum / Double(Swift.max(count, 1)) }

    /// Adds a part of the bucket (a smaller rollup, or one reading).
    mutating func merge(count: Int, min: Double, max: Double, sum: Double) {
        self.count += count
        self.min = Swift.min(self.min, min)
        self.max = Swift.max(self.max, max)
        self.sum += sum
    }

    /// The buckets of `size` made of these parts (in any order), oldest first.
    static func merge(_ parts: [(start: Date, count: Int, min: Double, max: Double, sum: Double)], into size: BucketSize) -> [ReadingBucket] {
        var buckets: [Date: ReadingBucket] = [:]
        for part in parts {
            let start = size.start(of: part.start)
            if buckets[start] == nil {
                buckets[start] = ReadingBucket(start: start, count: part.count, min: part.min, max: part.max, sum: part.sum)
            } else {
                buckets[start]?.merge(count: part.count, min: part.min, max: part.max, sum: part.sum)
            }
        }
        return buckets.values.sorted { $0.start < $1.start }
    }
}

import NimbusCore

extension ModeWire {
    /// A time series of the time-series module: one channel of one device.
    struct TimeSeries: Encodable, Sendable {
        let id: String
        let homeId: Int
        let moduleId: String
        let timeZone: String

        init(_ series: TimeSeriesUseCases.Series, homeId: Int, moduleId: String) {
            id = Self.id(series)
            self.homeId = homeId
            self.moduleId = moduleId
            timeZone = "UTC"
        }

        static func id(_ series: TimeSeriesUseCases.Series) -> String { "\(series.deviceId)-\(series.channel)" }
    }

    struct TimeRange: Encodable, Sendable {
        let seriesId: String
        let begin: String
        let end: String
    }

    /// `[timestamp, value]`, as MODE's time-series data lists its points.
    struct Point: Encodable, Sendable {
        let timestamp: String
        let value: Double

        init(_ timestamp: String, _ value: Double) {
            self.timestamp = timestamp
            self.value = value
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.unkeyedContainer()
            try container.encode(timestamp)
            try container.encode(value)
        }
    }

    struct SeriesData: Encodable, Sendable {
        let seriesId: String
        let begin: String
        let end: String
        let aggregation: String
        let resolution: String
        let data: [Point]
    }

    struct RawSeriesData: Encodable, Sendable {
        let seriesId: String
        let ts: String
        let limit: Int
        let data: [Point]
    }

    /// What a bucket of time-series data shows.
    enum Aggregation: String {
        case min, max, avg, count, sum

        init(_ text: String) throws {
            guard let aggregation = Aggregation(rawValue: text) else {
                throw NimbusError.invalidInput(field: "aggregation", reason: "one of min, max, avg, count, sum")
            }
            self = aggregation
        }

        func value(of bucket: ReadingBucket) -> Double {
            switch self {
            case .min: bucket.min
            case .max: bucket.max
            case .avg: bucket.average
            case .count: Double(bucket.count)
            case .sum: bucket.sum
            }
        }
    }
}

import Foundation
import NimbusCore

/// How a MODE device event becomes readings, for a project with a `tsdb` smart module subscribed to its type (MODE's
/// time-series module is the model): the device is its own sensor and each series is a channel of it.
///
/// - Each item of `eventData.timeSeriesData` (`[{"seriesId": "temp", "timestamp": "<RFC 3339>", "value": 21.5}]`, the
///   shape MODE's sensor-cloud app reads) is a reading on channel `seriesId`, taken at its `timestamp` (the event's
///   when absent).
/// - Every other top-level field of `eventData` whose value is a JSON number is a reading on the channel named after
///   the field, taken at the event's time.
/// - `lat` and `lon` (or `latitude` and `longitude`), numbers, make one location reading on channel `location` (type
///   `gps`, the numbers `[lat, lon]` or `[lat, lon, alt]` with `alt`/`altitude`) instead of channels of their own.
///
/// Booleans, text, nested objects and fields that are not valid channel names (1 to 64 characters) are not readings.
enum ModeTimeSeries {
    static let locationChannel = "location"
    private static let latitudeKeys = ["lat", "latitude"]
    private static let longitudeKeys = ["lon", "longitude"]
    private static let altitudeKeys = ["alt", "altitude"]

    /// The event's readings in channel order, at most `limit` of them.
    static func readings(of event: Event, limit: Int) -> [NewReading] {
        var readings: [NewReading] = []
        var data = event.eventData
        if case .array(let items)? = data.removeValue(forKey: "timeSeriesData") {
            for case .object(let item) in items {
                guard case .string(let series)? = item["seriesId"], isChannel(series), case .number(let value)? = item["value"] else { continue }
                readings.append(NewReading(channel: series, value: .number(value), type: nil, unit: nil, timestamp: time(item["timestamp"]) ?? event.timestamp))
            }
        }
        if let location = location(in: &data) {
            readings.append(NewReading(
                channel: locationChannel, value: .numbers(location), type: Reading.locationType, unit: nil, timestamp: event.timestamp))
        }
        for (field, value) in data.sorted(by: { $0.key < $1.key }) {
            guard case .number(let number) = value, isChannel(field) else { continue }
            readings.append(NewReading(channel: field, value: .number(number), type: nil, unit: nil, timestamp: event.timestamp))
        }
        return Array(readings.prefix(limit))
    }

    /// `[lat, lon]` or `[lat, lon, alt]` when the data has a valid latitude and longitude, which it then loses.
    private static func location(in data: inout [String: JSONValue]) -> [Double]? {
        func number(_ keys: [String]) -> (key: String, value: Double)? {
            for key in keys { if case .number(let value)? = data[key] { return (key, value) } }
            return nil
        }
        guard let latitude = number(latitudeKeys), (-90...90).contains(latitude.value),
              let longitude = number(longitudeKeys), (-180...180).contains(longitude.value) else { return nil }
        var location = [latitude.value, longitude.value]
        data[latitude.key] = nil
        data[longitude.key] = nil
        if let altitude = number(altitudeKeys) {
            location.append(altitude.value)
            data[altitude.key] = nil
        }
        return location
    }

    private static func isChannel(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 64
    }

    private static func time(_ value: JSONValue?) -> Date? {
        guard case .string(let text)? = value else { return nil }
        return Timestamp.parse(text)
    }
}

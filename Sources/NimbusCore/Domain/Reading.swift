import Foundation

/// What a sensor reported on one channel at one time: the record of telemetry, whichever dialect it came
/// through (Cayenne MQTT `data/{channel}`, `data/json`, HTTP push, a LoRaWAN uplink).
public struct Reading: Sendable, Hashable, Codable {
    public var id: Int
    public var projectId: Int
    public var homeId: Int?
    /// The thing that reported (the one connected).
    public var deviceId: Int
    /// The child thing that stands for the channel.
    public var sensorId: Int
    public var channel: String
    public var value: ReadingValue
    /// The data type (`temp`, `rel_hum`, ...), when the device named one.
    public var type: String?
    /// The unit (`c`, `p`, ...), or several for a multi-value reading (GPS: `lat,lon,alt`... as sent).
    public var unit: String?
    public var timestamp: Date

    public init(
        id: Int, projectId: Int, homeId: Int?, deviceId: Int, sensorId: Int, channel: String, value: ReadingValue,
        type: String?, unit: String?, timestamp: Date
    ) {
        self.id = id
        self.projectId = projectId
        self.homeId = homeId
        self.deviceId = deviceId
        self.sensorId = sensorId
        self.channel = channel
        self.value = value
        self.type = type
        self.unit = unit
        self.timestamp = timestamp
    }
}

extension Reading {
    /// Where a thing was, read from a location reading: the GPS type (Cayenne MQTT `gps,m=lat,lon,alt`, LPP GPS, a
    /// MODE event's `lat`/`lon`) with at least a latitude and a longitude.
    public struct Location: Sendable, Hashable {
        public var latitude: Double
        public var longitude: Double
        public var altitude: Double?
    }

    /// The data type of location readings.
    public static let locationType = "gps"

    /// The location this reading gives, if it is one.
    public var location: Location? {
        guard type == Self.locationType, case .numbers(let values) = value, values.count >= 2,
              (-90...90).contains(values[0]), (-180...180).contains(values[1]) else { return nil }
        return Location(latitude: values[0], longitude: values[1], altitude: values.count > 2 ? values[2] : nil)
    }
}

/// A reading's value: one number (most sensors), several (GPS, accelerometer: `type,u1,u2=v1,v2`) or text.
public enum ReadingValue: Sendable, Hashable, Codable {
    case number(Double)
    case numbers([Double])
    case text(String)

    /// The value to chart: the number itself, or the first of several.
    public var primary: Double? {
        switch self {
        case .number(let value): value
        case .numbers(let values): values.first
        case .text: nil
        }
    }

    /// The value as text: a whole number without `.0` (else Swift's shortest form that reads back the same), several
    /// numbers separated by `separator`, text as it is. Rules compare and write readings this way, exports write them so.
    public func text(separator: String = ",") -> String {
        switch self {
        case .number(let value): Self.text(value)
        case .numbers(let values): values.map(Self.text).joined(separator: separator)
        case .text(let text): text
        }
    }

    public static func text(_ number: Double) -> String {
        if let whole = Int64(exactly: number) { return String(whole) }
        return String(number)
    }

    public var jsonValue: JSONValue {
        switch self {
        case .number(let value): .number(value)
        case .numbers(let values): .array(values.map(JSONValue.number))
        case .text(let text): .string(text)
        }
    }

    /// Reads the stored JSON form back; `nil` for anything else.
    public init?(jsonValue: JSONValue) {
        switch jsonValue {
        case .number(let value): self = .number(value)
        case .string(let text): self = .text(text)
        case .array(let items):
            var values: [Double] = []
            for item in items {
                guard case .number(let value) = item else { return nil }
                values.append(value)
            }
            self = .numbers(values)
        default: return nil
        }
    }
}

/// A reading as a device sends it, before it is matched to its thing and channel's sensor.
public struct NewReading: Sendable, Hashable {
    public var channel: String
    public var value: ReadingValue
    public var type: String?
    public var unit: String?
    public var timestamp: Date

    public init(channel: String, value: ReadingValue, type: String?, unit: String?, timestamp: Date) {
        self.channel = channel
        self.value = value
        self.type = type
        self.unit = unit
        self.timestamp = timestamp
    }
}

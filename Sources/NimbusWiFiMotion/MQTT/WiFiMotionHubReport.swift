import Foundation
import NimbusCore

/// What a hub's publication says, read from the topic below its prefix and the payload (`docs/wifimotion.md`):
///
/// - `online`: `1`/`0` (or `true`/`false`): the hub itself;
/// - `devices/{thingName}/added`: `{"deviceType": "SensorDoor"}`, a sensor paired;
/// - `devices/{thingName}/removed`: the sensor is gone (with its history);
/// - `devices/{thingName}/value`: a JSON object of what the sensor measured (`{"status": "open"}`,
///   `{"temperature": 21.5, "humidity": 40}`): each field becomes a reading of the channel of its name, and the last
///   value is kept in the sensor's `config`;
/// - `devices/{thingName}/battery`: `0`–`100`, kept as `batteryLevel` and a reading of channel `battery`;
/// - `devices/{thingName}/online`: `1`/`0`.
enum WiFiMotionHubReport: Sendable, Equatable {
    case hubOnline(Bool)
    case added(thingName: String, deviceType: String)
    case removed(thingName: String)
    /// Properties to keep on the sensor and readings to store.
    case changed(thingName: String, properties: [String: JSONValue], readings: [NewReading])

    init(suffix: String, payload: [UInt8], at now: Date = Date()) throws {
        let parts = suffix.split(separator: "/", omittingEmptySubsequences: false)
        let text = String(decoding: payload, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if parts == ["online"] {
            self = .hubOnline(try Self.flag(text))
            return
        }
        guard parts.count == 3, parts[0] == "devices", WiFiMotionMQTTHooks.isThingName(parts[1]) else {
            throw NimbusError.invalidInput(field: "topic", reason: "not a hub topic: online, devices/{thingName}/{added|removed|value|battery|online}")
        }
        let name = String(parts[1])
        switch parts[2] {
        case "added":
            guard case .object(let object)? = JSONValue(jsonText: text), case .string(let type)? = object["deviceType"],
                  WiFiMotionMQTTHooks.isThingName(type) else {
                throw NimbusError.invalidInput(field: "deviceType", reason: #"the payload must be {"deviceType": "<type>"}"#)
            }
            self = .added(thingName: name, deviceType: type)
        case "removed":
            self = .removed(thingName: name)
        case "online":
            self = .changed(thingName: name, properties: ["online": .bool(try Self.flag(text))], readings: [])
        case "battery":
            guard let level = Int(text), (0...100).contains(level) else { throw NimbusError.invalidInput(field: "battery", reason: "0 to 100") }
            self = .changed(thingName: name, properties: ["batteryLevel": .number(Double(level))], readings: [
                NewReading(channel: "battery", value: .number(Double(level)), type: "batt", unit: "p", timestamp: now)])
        case "value":
            guard case .object(let object)? = JSONValue(jsonText: text), !object.isEmpty, object.count <= 16 else {
                throw NimbusError.invalidInput(field: "value", reason: "the payload must be a JSON object of 1 to 16 fields")
            }
            var readings: [NewReading] = []
            for (key, value) in object.sorted(by: { $0.key < $1.key }) {
                guard WiFiMotionMQTTHooks.isThingName(key) else { throw NimbusError.invalidInput(field: "value", reason: "field names are 1 to 64 letters, digits, _ or -") }
                switch value {
                case .number(let number) where number.isFinite: readings.append(NewReading(channel: key, value: .number(number), type: nil, unit: nil, timestamp: now))
                case .bool(let flag): readings.append(NewReading(channel: key, value: .number(flag ? 1 : 0), type: nil, unit: nil, timestamp: now))
                case .string(let text) where text.count <= 64: readings.append(NewReading(channel: key, value: .text(text), type: nil, unit: nil, timestamp: now))
                default: throw NimbusError.invalidInput(field: "value.\(key)", reason: "a number, a boolean or a text of at most 64 characters")
                }
            }
            // Each field is kept in `config`, but never one the app sets (`notify` stays the app's) or the sensor's type.
            let reserved = Set(WiFiMotionSensorWire.settable).union(WiFiMotionSensorWire.outsideConfig)
            self = .changed(thingName: name, properties: object.filter { !reserved.contains($0.key) }, readings: readings)
        default:
            throw NimbusError.invalidInput(field: "topic", reason: "unknown device topic \(parts[2])")
        }
    }

    private static func flag(_ text: String) throws -> Bool {
        switch text.lowercased() {
        case "1", "true": return true
        case "0", "false": return false
        default: throw NimbusError.invalidInput(field: "online", reason: "1 or 0")
        }
    }
}

import Foundation
import NimbusCore

/// Sensors as the API shows them (`SensorDevice`), from the core things the hub reported, and what `PATCH` sets.
/// A thing's properties hold what the hub reports (`deviceType`, `online`, `status`, `batteryLevel`, and the last
/// value of each other field) and what the app sets (`notify`, `purpose`, `friendlyName`, `location`, thresholds).
enum WiFiMotionSensorWire {
    /// The documented purposes.
    static let purposes = [
        "FrontDoorVibration", "BackDoorVibration", "SideDoorVibration", "RefrigeratorVibration", "Bathroom", "SensorDoor", "MainHub",
        "SecondaryHub",
    ]
    /// What only the app sets (a hub's report never changes them), shown in `config` with what the hub reported.
    static let settable = ["notify", "friendlyName", "location", "temperatureDelta", "humidityDelta", "eventing", "purpose"]
    /// Kept on the thing but shown beside `config`, not in it.
    static let outsideConfig: Set<String> = ["deviceType", "purpose"]

    static func device(_ thing: Device, networkId: Int, userThingName: String?) -> JSONValue {
        var config: [String: JSONValue] = ["notify": .bool(false), "online": .bool(false), "friendlyName": .string(thing.name)]
        for (key, value) in thing.properties where !outsideConfig.contains(key) { config[key] = value }
        return .object([
            "id": .number(Double(thing.id)), "network_id": .number(Double(networkId)), "external_id": .number(Double(thing.id)),
            "userThingName": userThingName.map(JSONValue.string) ?? .null, "thingName": .string(thing.hardwareId ?? ""),
            "config": .object(config), "deviceType": thing.properties["deviceType"] ?? .string(thing.parentId == nil ? "Hub" : "Sensor"),
            "purpose": thing.properties["purpose"] ?? .null,
            "created_at": WiFiMotionWire.time(thing.creationTime), "updated_at": WiFiMotionWire.time(thing.updateTime ?? thing.creationTime),
        ])
    }

    /// The properties a `PATCH /sensors/devices/{thingName}` changes, checked.
    static func settings(from fields: WiFiMotionFields) throws -> [String: JSONValue] {
        var changes: [String: JSONValue] = [:]
        if let notify = try fields.bool("notify") { changes["notify"] = .bool(notify) }
        if let eventing = try fields.bool("eventing") { changes["eventing"] = .bool(eventing) }
        if let purpose = try fields.string("purpose") {
            guard purposes.contains(purpose) else { throw WiFiMotionError.invalid("purpose", "one of \(purposes.joined(separator: ", "))") }
            changes["purpose"] = .string(purpose)
        }
        if let name = try fields.text("friendlyName", maxLength: 64, allowEmpty: false) ?? fields.text("friendly_name", maxLength: 64, allowEmpty: false) {
            changes["friendlyName"] = .string(name)
        }
        if let location = try fields.text("location", maxLength: 256) { changes["location"] = .string(location) }
        for (key, field, range) in [("temperatureDelta", "temperature_delta", 0.1...10.0), ("humidityDelta", "humidity_delta", 1.0...50.0)] {
            guard let value = try fields.double(field) ?? fields.double(key) else { continue }
            guard range.contains(value) else { throw WiFiMotionError.invalid(field, "from \(range.lowerBound) to \(range.upperBound)") }
            changes[key] = .number(value)
        }
        guard !changes.isEmpty else {
            throw WiFiMotionError.invalid("body", "nothing to change (notify, purpose, friendlyName, location, temperature_delta, humidity_delta, eventing)")
        }
        return changes
    }
}

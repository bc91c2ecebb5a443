import Foundation
import NimbusCore

/// What the access-point agent last reported of the network's Wi-Fi devices and the links between them (the Core
/// API's `PUT /network/{id}/topology`, `docs/wifimotion.md`), kept as the home's settings document
/// `wifimotion-topology`, and what the app changed of each device (`PATCH /sounding/clients`), kept apart as
/// `wifimotion-clients` so that the next report does not undo it.
enum WiFiMotionTopology {
    static let key = "wifimotion-topology"
    static let overridesKey = "wifimotion-clients"
    static let maximumDevices = 64
    static let maximumLinks = 512
    /// What the app may set on a device (the rest is the agent's).
    static let settable = ["friendly_name", "location", "sensitivity_mode", "sensitivity", "sounding_mode", "sounding_mesh"]

    /// A report checked: `devices` (each with a `device_id`) and `links`, bounded.
    static func report(_ fields: WiFiMotionFields, at now: Date) throws -> JSONValue {
        guard case .array(let devices)? = fields.value("devices"), devices.count <= maximumDevices else {
            throw WiFiMotionError.invalid("devices", "an array of at most \(maximumDevices) devices")
        }
        for (index, device) in devices.enumerated() {
            guard case .object(let object) = device, case .string(let id)? = object["device_id"], (1...64).contains(id.count) else {
                throw WiFiMotionError.invalid("devices[\(index)].device_id", "required, 1 to 64 characters")
            }
        }
        var links: [JSONValue] = []
        if let value = fields.value("links") {
            guard case .array(let items) = value, items.count <= maximumLinks, items.allSatisfy({ if case .object = $0 { true } else { false } }) else {
                throw WiFiMotionError.invalid("links", "an array of at most \(maximumLinks) objects")
            }
            links = items
        }
        let ts = try fields.double("ts") ?? now.timeIntervalSince1970
        return .object(["ts": .number(ts), "devices": .array(devices), "links": .array(links)])
    }

    /// The reported devices with what the app set, as `GET /sounding/clients` lists them.
    static func clients(report: JSONValue?, overrides: JSONValue?, sensitivity: JSONValue) -> [JSONValue] {
        guard case .object(let topology)? = report, case .array(let devices)? = topology["devices"] else { return [] }
        let changes = overrides?.objectValue ?? [:]
        return devices.compactMap { device in
            guard var object = device.objectValue, case .string(let id)? = object["device_id"] else { return nil }
            for (key, value) in ["sounding_mode": JSONValue.string("allow"), "sensitivity_mode": .string("global"), "sensitivity": sensitivity,
                                 "location": .string(""), "sounding_mesh": .bool(true)] where object[key] == nil {
                object[key] = value
            }
            for (key, value) in changes[id]?.objectValue ?? [:] { object[key] = value }
            return .object(object)
        }
    }

    /// Applies a `PATCH /sounding/clients` body (`{devices: [{mac|id|device_id, …}]}`) to the overrides.
    static func patched(_ overrides: JSONValue?, report: JSONValue?, fields: WiFiMotionFields) throws -> JSONValue {
        guard case .array(let changes)? = fields.value("devices"), !changes.isEmpty, changes.count <= maximumDevices else {
            throw WiFiMotionError.invalid("devices", "an array of 1 to \(maximumDevices) changes")
        }
        let reported = report?.objectValue?["devices"]?.arrayValue?.compactMap(\.objectValue) ?? []
        var result = overrides?.objectValue ?? [:]
        for (index, change) in changes.enumerated() {
            guard let object = change.objectValue else { throw WiFiMotionError.invalid("devices[\(index)]", "must be an object") }
            let match = reported.first { device in
                ["device_id", "mac", "id"].contains { key in object[key] != nil && object[key] == device[key] }
            }
            guard let match, case .string(let id)? = match["device_id"] else {
                throw WiFiMotionError.invalid("devices[\(index)]", "names no device of the network (mac, id or device_id)")
            }
            var current = result[id]?.objectValue ?? [:]
            for (key, value) in object where !["device_id", "mac", "id"].contains(key) {
                current[key] = try checked(key, value, field: "devices[\(index)].\(key)")
            }
            result[id] = .object(current)
        }
        // Only devices the agent reports keep what the app set: the document stays as small as the network.
        let reportedIds = Set(reported.compactMap { device -> String? in if case .string(let id)? = device["device_id"] { id } else { nil } })
        return .object(result.filter { reportedIds.contains($0.key) })
    }

    private static func checked(_ key: String, _ value: JSONValue, field: String) throws -> JSONValue {
        switch (key, value) {
        case ("friendly_name", .string(let text)) where (1...64).contains(text.count): return value
        case ("location", .string(let text)) where text.count <= 256
            && text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || " =+-_@!/".contains($0)) }): return value
        case ("sensitivity_mode", .string(let mode)) where mode == "global" || mode == "override": return value
        case ("sensitivity", .number(let level)) where (1...4).contains(level): return value
        case ("sounding_mode", .string(let mode)) where mode == "allow" || mode == "deny": return value
        case ("sounding_mesh", .bool): return value
        case _ where !settable.contains(key): throw WiFiMotionError.invalid(field, "not a setting of a device")
        default: throw WiFiMotionError.invalid(field, "not a valid value")
        }
    }
}

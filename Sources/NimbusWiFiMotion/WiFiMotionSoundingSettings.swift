import Foundation
import NimbusCore

/// A network's motion configuration (`/sounding/settings`), kept as the home's settings document
/// `wifimotion-sounding`. The fields are the sample client's (W8) and the documented ones (seed-apis §3.4).
struct WiFiMotionSoundingSettings: Sendable, Equatable {
    static let key = "wifimotion-sounding"
    /// 0/1 switches.
    static let flags = [
        "motion_events_enabled", "motion_events_armed", "motion_history_enabled", "device_events", "mesh_auto_disable", "motion_paused",
        "pet_mode",
    ]
    /// Lists of names (zones, meshes).
    static let lists = ["zone_priority_list", "mesh_sounding_disabled"]

    private(set) var values: [String: JSONValue] = [
        "motion_events_enabled": .number(1), "motion_events_armed": .number(1), "motion_history_enabled": .number(1),
        "device_events": .number(0), "mesh_auto_disable": .number(0), "motion_paused": .number(0), "pet_mode": .number(0),
        "zone_priority_list": .array([]), "mesh_sounding_disabled": .array([]), "sensitivity": .number(1), "sounding_mode": .string("allow"),
        "leafblower_cutoff": .number(0), "cooldown": .number(60),
    ]

    init(stored: JSONValue?) {
        guard case .object(let object)? = stored else { return }
        for (key, value) in object where values[key] != nil { values[key] = value }
    }

    /// The fields a `PATCH` sets, checked; anything else is refused, so that a typo is not silently dropped.
    mutating func apply(_ fields: WiFiMotionFields) throws {
        for key in fields.keys where values[key] == nil && key != "network_id" { throw WiFiMotionError.invalid(key, "not a sounding setting") }
        for key in Self.flags {
            guard let value = try fields.int(key) else { continue }
            guard value == 0 || value == 1 else { throw WiFiMotionError.invalid(key, "0 or 1") }
            values[key] = .number(Double(value))
        }
        for key in Self.lists {
            guard let names = try fields.strings(key) else { continue }
            guard names.count <= 64, names.allSatisfy({ (1...64).contains($0.count) }) else {
                throw WiFiMotionError.invalid(key, "at most 64 names of 1 to 64 characters")
            }
            values[key] = .array(names.map(JSONValue.string))
        }
        if let sensitivity = try fields.int("sensitivity") {
            guard (1...4).contains(sensitivity) else { throw WiFiMotionError.invalid("sensitivity", "1 (high) to 4 (very low)") }
            values["sensitivity"] = .number(Double(sensitivity))
        }
        if let mode = try fields.string("sounding_mode") {
            guard mode == "allow" || mode == "deny" else { throw WiFiMotionError.invalid("sounding_mode", "allow or deny") }
            values["sounding_mode"] = .string(mode)
        }
        if let cutoff = try fields.double("leafblower_cutoff") {
            guard (0...1_000).contains(cutoff) else { throw WiFiMotionError.invalid("leafblower_cutoff", "from 0 to 1000") }
            values["leafblower_cutoff"] = .number(cutoff)
        }
        if let cooldown = try fields.int("cooldown") {
            guard (0...3_600).contains(cooldown) else { throw WiFiMotionError.invalid("cooldown", "from 0 to 3600 seconds") }
            values["cooldown"] = .number(Double(cooldown))
        }
    }

    var stored: JSONValue { .object(values) }
}

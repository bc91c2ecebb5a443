import Foundation
import NimbusCore

/// A network's scene config (`/network_scene_configs/{id}`): when too much motion alerts, and the Guardian's hours
/// on weekdays and weekends. Kept as the home's settings document `wifimotion-scene`; its id is the network's.
struct WiFiMotionSceneConfig: Sendable, Equatable {
    static let key = "wifimotion-scene"
    static let booleans = ["excessive_motion_enabled", "guardian_enabled", "auto_switching_enabled"]
    static let hours = ["guardian_weekday_start_time_hours", "guardian_weekday_end_time_hours",
                        "guardian_weekend_start_time_hours", "guardian_weekend_end_time_hours"]
    static let minutes = hours.map { $0.replacingOccurrences(of: "_hours", with: "_minutes") }

    /// Every field but the times, as stored; the defaults are what a new network has (Guardian 22:00 to 7:00, off).
    private(set) var values: [String: JSONValue] = {
        var values: [String: JSONValue] = ["excessive_motion_seconds": .number(3600)]
        for key in booleans { values[key] = .bool(false) }
        for key in hours { values[key] = .number(key.contains("start") ? 22 : 7) }
        for key in minutes { values[key] = .number(0) }
        return values
    }()

    init(stored: JSONValue?) {
        guard case .object(let object)? = stored else { return }
        for (key, value) in object where values[key] != nil { values[key] = value }
    }

    mutating func apply(_ fields: WiFiMotionFields) throws {
        if let seconds = try fields.int("excessive_motion_seconds") {
            guard (60...86_400).contains(seconds) else { throw WiFiMotionError.invalid("excessive_motion_seconds", "from 60 to 86400") }
            values["excessive_motion_seconds"] = .number(Double(seconds))
        }
        for key in Self.booleans { if let value = try fields.bool(key) { values[key] = .bool(value) } }
        for (keys, range) in [(Self.hours, 0...23), (Self.minutes, 0...59)] {
            for key in keys {
                guard let value = try fields.int(key) else { continue }
                guard range.contains(value) else { throw WiFiMotionError.invalid(key, "from \(range.lowerBound) to \(range.upperBound)") }
                values[key] = .number(Double(value))
            }
        }
    }

    var stored: JSONValue { .object(values) }

    func json(networkId: Int, created: Date, updated: Date) -> JSONValue {
        var object = values
        object["id"] = .number(Double(networkId))
        object["network_id"] = .number(Double(networkId))
        object["created_at"] = WiFiMotionWire.time(created)
        object["updated_at"] = WiFiMotionWire.time(updated)
        return .object(object)
    }
}

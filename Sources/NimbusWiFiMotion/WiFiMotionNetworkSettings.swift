import Foundation
import NimbusCore

/// What a WiFi Motion network has beyond its name (the core home's): where it is and what kind of home, kept as the
/// home's settings document `wifimotion-network`.
struct WiFiMotionNetworkSettings: Sendable, Equatable {
    static let key = "wifimotion-network"
    static let petSizes = ["none", "small", "medium", "large"]
    /// The sample client's scenes: 1 away, 4 home.
    static let scenes = [1, 4]

    var latitude: Double?
    var longitude: Double?
    var address: String?
    var timezone: String?
    var petSize = "none"
    var buildingType: String?
    var buildingSize: String?
    var liveEnabled = false
    var sceneId = 4

    init() {}

    /// From the stored document (what it does not hold keeps its default).
    init(stored: JSONValue?) {
        guard case .object(let object)? = stored else { return }
        if case .number(let value)? = object["latitude"] { latitude = value }
        if case .number(let value)? = object["longitude"] { longitude = value }
        if case .string(let value)? = object["address"] { address = value }
        if case .string(let value)? = object["timezone"] { timezone = value }
        if case .string(let value)? = object["pet_size"] { petSize = value }
        if case .string(let value)? = object["building_type"] { buildingType = value }
        if case .string(let value)? = object["building_size"] { buildingSize = value }
        if case .bool(let value)? = object["live_enabled"] { liveEnabled = value }
        if case .number(let value)? = object["scene_id"] { sceneId = Int(value) }
    }

    /// The fields of `PUT /networks/{id}` that a request sets, checked.
    mutating func apply(_ fields: WiFiMotionFields) throws {
        if let value = try fields.double("latitude") {
            guard (-90...90).contains(value) else { throw WiFiMotionError.invalid("latitude", "from -90 to 90") }
            latitude = value
        }
        if let value = try fields.double("longitude") {
            guard (-180...180).contains(value) else { throw WiFiMotionError.invalid("longitude", "from -180 to 180") }
            longitude = value
        }
        if let value = try fields.text("address", maxLength: 512) { address = value }
        if let value = try fields.string("timezone") {
            guard TimeZone(identifier: value) != nil else { throw WiFiMotionError.invalid("timezone", "not an IANA time zone") }
            timezone = value
        }
        if let value = try fields.string("pet_size") {
            guard Self.petSizes.contains(value) else { throw WiFiMotionError.invalid("pet_size", "one of \(Self.petSizes.joined(separator: ", "))") }
            petSize = value
        }
        if let value = try fields.text("building_type", maxLength: 64) { buildingType = value }
        if let value = try fields.text("building_size", maxLength: 64) { buildingSize = value }
        if let value = try fields.bool("live_enabled") { liveEnabled = value }
        if let value = try fields.int("scene_id") {
            guard Self.scenes.contains(value) else { throw WiFiMotionError.invalid("scene_id", "1 (away) or 4 (home)") }
            sceneId = value
        }
    }

    var stored: JSONValue {
        .object([
            "latitude": latitude.map(JSONValue.number) ?? .null, "longitude": longitude.map(JSONValue.number) ?? .null,
            "address": address.map(JSONValue.string) ?? .null, "timezone": timezone.map(JSONValue.string) ?? .null,
            "pet_size": .string(petSize), "building_type": buildingType.map(JSONValue.string) ?? .null,
            "building_size": buildingSize.map(JSONValue.string) ?? .null, "live_enabled": .bool(liveEnabled),
            "scene_id": .number(Double(sceneId)),
        ])
    }
}

/// The MQTT protocol revisions the broker speaks on its one port.
///
/// A connection's version is fixed by its CONNECT packet (protocol name + level) and decides how every later
/// packet is read and written: MQTT 5 adds properties and reason codes, MQTT 3.1 names itself `MQIsdp`.
public enum MQTTProtocolVersion: UInt8, Sendable, Hashable, CaseIterable, Comparable, CustomStringConvertible {
    /// MQTT 3.1 (IBM's original specification): protocol name `MQIsdp`, level 3.
    case v3_1 = 3
    /// MQTT 3.1.1 (OASIS): protocol name `MQTT`, level 4.
    case v3_1_1 = 4
    /// MQTT 5.0 (OASIS): protocol name `MQTT`, level 5.
    case v5 = 5

    /// The protocol name a CONNECT packet of this version carries.
    public var protocolName: String {
        self == .v3_1 ? "MQIsdp" : "MQTT"
    }

    /// The protocol level byte a CONNECT packet of this version carries.
    public var level: UInt8 { rawValue }

    /// The version named by a CONNECT packet, or `nil` when the name and level do not form a version we speak
    /// (for example `MQTT` with level 3, which no client sends).
    public init?(protocolName: String, level: UInt8) {
        switch (protocolName, level) {
        case ("MQIsdp", 3): self = .v3_1
        case ("MQTT", 4): self = .v3_1_1
        case ("MQTT", 5): self = .v5
        default: return nil
        }
    }

    /// Whether packets carry MQTT 5 properties and reason codes.
    public var hasProperties: Bool { self == .v5 }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    public var description: String {
        switch self {
        case .v3_1: "MQTT 3.1"
        case .v3_1_1: "MQTT 3.1.1"
        case .v5: "MQTT 5.0"
        }
    }
}

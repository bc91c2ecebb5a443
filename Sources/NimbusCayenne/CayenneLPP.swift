import Foundation
import NimbusCore

/// Cayenne LPP (Low Power Payload, `seed-apis.md` §2.7): a frame of `[channel][type][data]` records, big-endian,
/// with no header. Every official type and the extensions `pycayennelpp` 2.4 knows are read; each record becomes a
/// reading of its channel, with the Cayenne data type and unit its MQTT twin would carry (GPS as the three numbers
/// latitude, longitude and altitude).
enum CayenneLPP {
    /// One LPP type: the sizes, scales and signedness of its values, and how the reading is typed.
    struct Kind {
        let name: String
        let sizes: [Int]
        let scale: Double
        let signed: Bool
        let type: String
        let unit: String?
    }

    static let kinds: [UInt8: Kind] = [
        0: Kind(name: "digital input", sizes: [1], scale: 1, signed: false, type: "digital_sensor", unit: "d"),
        1: Kind(name: "digital output", sizes: [1], scale: 1, signed: false, type: "digital_actuator", unit: "d"),
        2: Kind(name: "analog input", sizes: [2], scale: 100, signed: true, type: "analog_sensor", unit: nil),
        3: Kind(name: "analog output", sizes: [2], scale: 100, signed: true, type: "analog_actuator", unit: nil),
        100: Kind(name: "generic sensor", sizes: [4], scale: 1, signed: false, type: "analog_sensor", unit: nil),
        101: Kind(name: "illuminance", sizes: [2], scale: 1, signed: false, type: "lum", unit: "lux"),
        102: Kind(name: "presence", sizes: [1], scale: 1, signed: false, type: "prox", unit: "d"),
        103: Kind(name: "temperature", sizes: [2], scale: 10, signed: true, type: "temp", unit: "c"),
        104: Kind(name: "humidity", sizes: [1], scale: 2, signed: false, type: "rel_hum", unit: "p"),
        113: Kind(name: "accelerometer", sizes: [2, 2, 2], scale: 1000, signed: true, type: "accel", unit: "g"),
        115: Kind(name: "barometer", sizes: [2], scale: 10, signed: false, type: "bp", unit: "hpa"),
        116: Kind(name: "voltage", sizes: [2], scale: 100, signed: false, type: "voltage", unit: "v"),
        117: Kind(name: "current", sizes: [2], scale: 1000, signed: false, type: "current", unit: "a"),
        118: Kind(name: "frequency", sizes: [4], scale: 1, signed: false, type: "freq", unit: "hz"),
        120: Kind(name: "percentage", sizes: [1], scale: 1, signed: false, type: "analog_sensor", unit: "p"),
        121: Kind(name: "altitude", sizes: [2], scale: 1, signed: true, type: "alt", unit: "m"),
        122: Kind(name: "load", sizes: [3], scale: 1000, signed: true, type: "weight", unit: "kg"),
        125: Kind(name: "concentration", sizes: [2], scale: 1, signed: false, type: "co2", unit: "ppm"),
        128: Kind(name: "power", sizes: [2], scale: 1, signed: false, type: "pow", unit: "w"),
        130: Kind(name: "distance", sizes: [4], scale: 1000, signed: false, type: "len", unit: "m"),
        131: Kind(name: "energy", sizes: [4], scale: 1000, signed: false, type: "energy", unit: "kwh"),
        132: Kind(name: "direction", sizes: [2], scale: 1, signed: false, type: "ori_azim", unit: "deg"),
        133: Kind(name: "time", sizes: [4], scale: 1, signed: false, type: "time", unit: "sec"),
        134: Kind(name: "gyrometer", sizes: [2, 2, 2], scale: 100, signed: true, type: "gyro", unit: "dps"),
        135: Kind(name: "colour", sizes: [1, 1, 1], scale: 1, signed: false, type: "color", unit: nil),
        136: Kind(name: "GPS", sizes: [3, 3, 3], scale: 10000, signed: true, type: "gps", unit: "gps"),
        142: Kind(name: "switch", sizes: [1], scale: 1, signed: false, type: "switch", unit: "d"),
    ]

    /// The readings of a frame, timed `time`.
    /// - Throws: `NimbusError.invalidInput` naming the byte where the frame stops making sense.
    static func readings(in frame: [UInt8], at time: Date) throws -> [NewReading] {
        guard !frame.isEmpty else { throw NimbusError.invalidInput(field: "frm_payload", reason: "the LPP frame is empty") }
        var readings: [NewReading] = []
        var offset = 0
        while offset < frame.count {
            guard offset + 2 <= frame.count else { throw truncated(at: offset) }
            let channel = frame[offset], code = frame[offset + 1]
            guard let kind = kinds[code] else {
                throw NimbusError.invalidInput(field: "frm_payload", reason: "unknown LPP type \(code) at byte \(offset + 1)")
            }
            offset += 2
            var values: [Double] = []
            for (index, size) in kind.sizes.enumerated() {
                guard offset + size <= frame.count else { throw truncated(at: offset) }
                let raw = frame[offset..<offset + size].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
                let value = kind.signed ? signed(raw, bytes: size) : Double(raw)
                // GPS altitude has a scale of its own (0.01 m).
                let scale = kind.name == "GPS" && index == 2 ? 100 : kind.scale
                values.append(value / scale)
                offset += size
            }
            readings.append(NewReading(
                channel: String(channel), value: values.count == 1 ? .number(values[0]) : .numbers(values), type: kind.type,
                unit: kind.unit, timestamp: time))
        }
        return readings
    }

    private static func signed(_ raw: UInt64, bytes: Int) -> Double {
        let bits = UInt64(bytes * 8)
        let sign = UInt64(1) << (bits - 1)
        return raw & sign == 0 ? Double(raw) : Double(Int64(raw) - Int64(1 << bits))
    }

    private static func truncated(at offset: Int) -> NimbusError {
        .invalidInput(field: "frm_payload", reason: "the LPP frame ends inside a record at byte \(offset)")
    }
}

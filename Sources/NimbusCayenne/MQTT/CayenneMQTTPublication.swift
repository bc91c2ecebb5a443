import Foundation
import NimbusCore
import NimbusMQTT

/// What a thing's PUBLISH under `v1/{username}/things/{clientID}/` means (`seed-apis.md` §2.2–2.3): readings, a
/// command response, system information, or nothing Nimbus stores.
enum CayenneMQTTPublication: Equatable {
    case readings([NewReading])
    /// `ok,seq` or `error,seq=message` on `response`.
    case response(seq: String, error: String?)
    /// `sys/model`, `sys/version`, `sys/cpu/model`, `sys/cpu/speed`, `sys/conn`: kept in the thing's `properties.sys`
    /// under `key` (`cpu_model` for `cpu/model`). Other `sys/*` topics are passed on as plain MQTT (`key` is `nil`).
    case system(key: String?, value: String)

    /// Reads a publication; `suffix` is the topic after the thing's prefix (`data/3`, `data/json`, `response`).
    /// - Throws: `MQTTPublishRefusal` with the reason, for a payload or topic no Cayenne client sends.
    init(suffix: String, payload: [UInt8], at now: Date) throws {
        let parts = suffix.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard let text = String(validating: payload, as: UTF8.self) else { throw Self.refusal("the payload is not UTF-8") }
        switch (parts.first, parts.count) {
        case ("data", 2) where parts[1] == "json":
            self = .readings(try Self.jsonReadings(text, at: now))
        case ("data", 2), ("digital", 2), ("analog", 2):
            let channel = try Self.channel(parts[1])
            let defaultType = parts[0] == "digital" ? "digital_sensor" : parts[0] == "analog" ? "analog_sensor" : nil
            self = .readings([try Self.reading(text, channel: channel, defaultType: defaultType, at: now)])
        case ("response", 1):
            self = try Self.response(text)
        case ("sys", _):
            let key = parts.dropFirst().joined(separator: "_")
            self = .system(key: ThingUseCases.systemInfoKeys.contains(key) ? key : nil, value: text)
        default:
            throw Self.refusal("unknown topic \(suffix)")
        }
    }

    /// A topic channel: an unsigned decimal without leading zeros, as the C library checks.
    static func channel(_ text: String) throws -> String {
        guard !text.isEmpty, text.count <= 9, text.allSatisfy(\.isASCIIDigit), text == "0" || !text.hasPrefix("0") else {
            throw refusal("the channel must be an unsigned decimal number")
        }
        return text
    }

    /// `type,unit=value`, `type,unit1,unit2=v1,v2`, `type=value` or a bare `value`; a unit `null` or empty is no unit.
    static func reading(_ text: String, channel: String, defaultType: String?, at now: Date) throws -> NewReading {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        var type = defaultType, unit: String?
        var valueText = Substring(trimmed)
        if let equals = trimmed.firstIndex(of: "=") {
            let names = trimmed[..<equals].split(separator: ",", omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            if let first = names.first, !first.isEmpty { type = first }
            let units = names.dropFirst().filter { !$0.isEmpty && $0 != "null" }
            unit = units.isEmpty ? nil : units.joined(separator: ",")
            valueText = trimmed[trimmed.index(after: equals)...]
        }
        let values = try valueText.split(separator: ",", omittingEmptySubsequences: false).map { part in
            guard let number = Double(part.trimmingCharacters(in: .whitespaces)), number.isFinite else {
                throw refusal("the value must be a number or numbers separated by commas")
            }
            return number
        }
        guard (1...16).contains(values.count) else { throw refusal("1 to 16 values") }
        return NewReading(channel: channel, value: values.count == 1 ? .number(values[0]) : .numbers(values), type: type, unit: unit, timestamp: now)
    }

    /// `data/json`: `[{"channel": 1, "value": 20.5, "type": "temp", "unit": "c"}, …]` (string channels accepted).
    static func jsonReadings(_ text: String, at now: Date) throws -> [NewReading] {
        guard case .array(let items)? = JSONValue(jsonText: text) else { throw refusal("data/json must be a JSON array") }
        return try items.enumerated().map { index, item in
            try jsonReading(item, at: now, field: "[\(index)]")
        }
    }

    /// One element of a JSON array of readings (MQTT `data/json`, HTTP push).
    static func jsonReading(_ item: JSONValue, at now: Date, field: String) throws -> NewReading {
        guard case .object(let object) = item else { throw refusal("\(field) must be an object") }
        let channel: String
        switch object["channel"] {
        case .number(let number)?:
            guard let whole = JSONValue.exactInteger(number), whole >= 0 else { throw refusal("\(field).channel must be a whole number") }
            channel = String(whole)
        case .string(let text)? where !text.isEmpty: channel = text
        default: throw refusal("\(field).channel is required")
        }
        let value: ReadingValue
        switch object["value"] {
        case .number(let number)?: value = .number(number)
        case .string(let text)?:
            guard let number = Double(text), number.isFinite else { throw refusal("\(field).value must be a number") }
            value = .number(number)
        case .array(let items)?:
            let numbers = items.compactMap { if case .number(let number) = $0 { number } else { nil } }
            guard numbers.count == items.count, (1...16).contains(numbers.count) else { throw refusal("\(field).value must be 1 to 16 numbers") }
            value = .numbers(numbers)
        default: throw refusal("\(field).value must be a number")
        }
        let text = { (key: String) -> String? in
            if case .string(let text)? = object[key], !text.isEmpty, text != "null" { return text }
            return nil
        }
        return NewReading(channel: channel, value: value, type: text("type"), unit: text("unit"), timestamp: now)
    }

    /// `ok,seq` or `error,seq=message`.
    static func response(_ text: String) throws -> CayenneMQTTPublication {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.hasPrefix("ok,") {
            let seq = String(trimmed.dropFirst(3))
            guard !seq.isEmpty else { throw refusal("response: ok,seq") }
            return .response(seq: seq, error: nil)
        }
        if trimmed.hasPrefix("error,") {
            let rest = trimmed.dropFirst(6)
            let parts = rest.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let seq = parts.first, !seq.isEmpty else { throw refusal("response: error,seq=message") }
            return .response(seq: String(seq), error: parts.count > 1 ? String(parts[1]) : "")
        }
        throw refusal("response must be ok,seq or error,seq=message")
    }

    private static func refusal(_ reason: String) -> MQTTPublishRefusal {
        MQTTPublishRefusal(.payloadFormatInvalid, reason: reason)
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}

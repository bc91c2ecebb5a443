import Foundation
import NimbusCore
import NimbusMQTT
import Testing

@testable import NimbusCayenne

/// What each payload a Cayenne library sends reads as (`seed-apis.md` §2.3), and what is refused.
@Suite("Cayenne MQTT publications")
struct CayenneMQTTPublicationTests {
    let now = Date(timeIntervalSince1970: 1_700_000_000)

    func readings(_ suffix: String, _ payload: String) throws -> [NewReading] {
        guard case .readings(let readings) = try CayenneMQTTPublication(suffix: suffix, payload: Array(payload.utf8), at: now) else {
            Issue.record("\(suffix) is not readings")
            return []
        }
        return readings
    }

    @Test("type,unit=value, multi-value, type only, a bare value and null units")
    func dataPayloads() throws {
        #expect(try readings("data/1", "temp,c=20.7") == [NewReading(channel: "1", value: .number(20.7), type: "temp", unit: "c", timestamp: now)])
        #expect(try readings("data/2", "gps,lat,lon,alt=52.37,4.89,12.5")
            == [NewReading(channel: "2", value: .numbers([52.37, 4.89, 12.5]), type: "gps", unit: "lat,lon,alt", timestamp: now)])
        #expect(try readings("data/3", "analog_sensor,null=512") == [NewReading(channel: "3", value: .number(512), type: "analog_sensor", unit: nil, timestamp: now)])
        #expect(try readings("data/4", "temp,=20") == [NewReading(channel: "4", value: .number(20), type: "temp", unit: nil, timestamp: now)])
        #expect(try readings("data/5", "42") == [NewReading(channel: "5", value: .number(42), type: nil, unit: nil, timestamp: now)])
        #expect(try readings("digital/6", "1") == [NewReading(channel: "6", value: .number(1), type: "digital_sensor", unit: nil, timestamp: now)])
        #expect(try readings("analog/0", "0.25") == [NewReading(channel: "0", value: .number(0.25), type: "analog_sensor", unit: nil, timestamp: now)])
    }

    @Test("data/json: number and string channels, values as numbers or numeric text")
    func jsonPayloads() throws {
        let read = try readings("data/json", #"[{"channel": 1, "value": 3.3, "type": "voltage", "unit": "v"}, {"channel": "sys:cpu;load", "value": "12"}]"#)
        #expect(read == [
            NewReading(channel: "1", value: .number(3.3), type: "voltage", unit: "v", timestamp: now),
            NewReading(channel: "sys:cpu;load", value: .number(12), type: nil, unit: nil, timestamp: now),
        ])
    }

    @Test("responses and system information")
    func responses() throws {
        #expect(try CayenneMQTTPublication(suffix: "response", payload: Array("ok,2otoExGxnMJz0Jn".utf8), at: now) == .response(seq: "2otoExGxnMJz0Jn", error: nil))
        #expect(try CayenneMQTTPublication(suffix: "response", payload: Array("error,abc=incorrect param".utf8), at: now)
            == .response(seq: "abc", error: "incorrect param"))
        #expect(try CayenneMQTTPublication(suffix: "sys/cpu/model", payload: Array("ESP32".utf8), at: now) == .system(key: "cpu_model", value: "ESP32"))
        #expect(try CayenneMQTTPublication(suffix: "sys/board/rev", payload: Array("2".utf8), at: now) == .system(key: nil, value: "2"))
    }

    @Test("bad payloads and topics are refused as invalid payloads", arguments: [
        ("data/1", "temp,c=warm"), ("data/1", ""), ("data/01", "1"), ("data/x", "1"), ("data/1", "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17"),
        ("data/1", "nan"), ("data/json", "{}"), ("data/json", #"[{"value": 1}]"#), ("data/json", #"[{"channel": 1.5, "value": 1}]"#),
        ("response", "maybe,1"), ("cmd/1", "1,2"), ("data/1/2", "1"),
    ])
    func refused(suffix: String, payload: String) {
        #expect(throws: MQTTPublishRefusal.self) { try CayenneMQTTPublication(suffix: suffix, payload: Array(payload.utf8), at: now) }
    }

    @Test("a payload that is not UTF-8 is refused")
    func notUTF8() {
        #expect(throws: MQTTPublishRefusal.self) { try CayenneMQTTPublication(suffix: "data/1", payload: [0xFF, 0xFE], at: now) }
    }
}

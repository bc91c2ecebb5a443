import Foundation
import NimbusCore
import Testing

@testable import NimbusMODE

@Suite("MODE device events as readings")
struct ModeTimeSeriesTests {
    let time = Date(timeIntervalSince1970: 1_700_000_000)

    func event(_ data: [String: JSONValue]) -> Event {
        Event(id: 1, projectId: 1, homeId: 1, eventType: "sensors", eventData: data, origin: .device(id: 7, deviceClass: "probe"), timestamp: time)
    }

    @Test("each numeric field is a channel named after it; text, booleans and objects are not readings")
    func numericFields() {
        let readings = ModeTimeSeries.readings(of: event([
            "temperature": .number(21.5), "humidity": .number(40), "label": .string("kitchen"), "on": .bool(true),
            "nested": .object(["x": .number(1)]), "": .number(3), String(repeating: "x", count: 65): .number(4),
        ]), limit: 64)
        #expect(readings == [
            NewReading(channel: "humidity", value: .number(40), type: nil, unit: nil, timestamp: time),
            NewReading(channel: "temperature", value: .number(21.5), type: nil, unit: nil, timestamp: time),
        ])
    }

    @Test("timeSeriesData items are readings on their series at their own time, lat/lon one location reading")
    func seriesAndLocation() throws {
        let readings = ModeTimeSeries.readings(of: event([
            "timeSeriesData": .array([
                .object(["seriesId": .string("pm25"), "timestamp": .string("2026-12-05T10:00:00.250Z"), "value": .number(12)]),
                .object(["seriesId": .string("pm10"), "value": .number(20)]),
                .object(["seriesId": .string("bad"), "value": .string("x")]),
            ]),
            "lat": .number(35.68), "lon": .number(139.76), "alt": .number(40), "speed": .number(3),
        ]), limit: 64)
        let at = try Date("2026-12-05T10:00:00.250Z", strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true))
        #expect(readings == [
            NewReading(channel: "pm25", value: .number(12), type: nil, unit: nil, timestamp: at),
            NewReading(channel: "pm10", value: .number(20), type: nil, unit: nil, timestamp: time),
            NewReading(channel: "location", value: .numbers([35.68, 139.76, 40]), type: "gps", unit: nil, timestamp: time),
            NewReading(channel: "speed", value: .number(3), type: nil, unit: nil, timestamp: time),
        ])
        #expect(readings[2].value == .numbers([35.68, 139.76, 40]))
    }

    @Test("an event makes at most `limit` readings, and a latitude out of range is no location")
    func bounds() {
        var data: [String: JSONValue] = [:]
        for index in 0..<100 { data["f\(index)"] = .number(Double(index)) }
        #expect(ModeTimeSeries.readings(of: event(data), limit: 64).count == 64)
        let readings = ModeTimeSeries.readings(of: event(["lat": .number(91), "lon": .number(10)]), limit: 64)
        #expect(readings.map(\.channel) == ["lat", "lon"])
    }

    @Test("weeks start on Monday and months on their first day, UTC; fixed sizes on the epoch")
    func bucketStarts() throws {
        let iso = Date.ISO8601FormatStyle()
        let thursday = try Date("2026-12-03T15:30:00Z", strategy: iso)
        #expect(BucketSize.week.start(of: thursday) == (try Date("2026-11-30T00:00:00Z", strategy: iso)))
        #expect(BucketSize.week.start(of: try Date("2026-11-30T00:00:00Z", strategy: iso)) == (try Date("2026-11-30T00:00:00Z", strategy: iso)))
        #expect(BucketSize.week.start(of: try Date("1969-12-31T12:00:00Z", strategy: iso)) == (try Date("1969-12-29T00:00:00Z", strategy: iso)))
        #expect(BucketSize.month.start(of: thursday) == (try Date("2026-12-01T00:00:00Z", strategy: iso)))
        #expect(BucketSize.seconds(600).start(of: thursday) == (try Date("2026-12-03T15:30:00Z", strategy: iso)))
        #expect(BucketSize.seconds(15).start(of: thursday.addingTimeInterval(14)) == thursday)
    }
}

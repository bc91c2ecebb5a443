import Foundation
import NimbusCore
import Testing

@testable import NimbusCayenne

@Suite("Cayenne summaries")
struct CayenneSummariesTests {
    @Test("a raw range written straight into the body is the text the JSON objects make")
    func rawRangeText() {
        let base = Date(timeIntervalSince1970: 1_764_892_800.123)
        let values: [(ReadingValue, String?, String?)] = [
            (.number(21.5), "temp", "c"), (.number(1), "digital_sensor", nil), (.numbers([52.37, 4.89, 12.5]), "gps", "m"),
            (.text("on \"now\"\n"), nil, "odd,\"unit\"\\"), (.number(-0.000_123), "rel_hum", "p"), (.number(1e21), "lum", "lux"),
        ]
        let readings = values.enumerated().map { index, item in
            Reading(
                id: index, projectId: 1, homeId: 1, deviceId: 1, sensorId: 2, channel: "1", value: item.0, type: item.1, unit: item.2,
                timestamp: base + Double(index) * 0.0015)
        }
        for sample in [readings, [], Array(readings.prefix(1))] {
            let text = String(decoding: CayenneTelemetryController.summaryText(sample), as: UTF8.self)
            #expect(text == JSONValue.array(sample.map(CayenneTelemetryController.summary)).jsonText)
        }
    }
}

import Foundation
import NimbusCore
import Testing

@Suite("RFC 3339 timestamps")
struct TimestampTests {
    @Test("agree with Foundation's calendar on every kind of day, and round to the nearest millisecond")
    func formats() throws {
        let style = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            // A third of a millisecond past a whole one: Foundation truncates and this rounds to the same.
            let milliseconds = Int64.random(in: -2_208_988_800_000...7_258_118_400_000, using: &generator)
            let date = Date(timeIntervalSince1970: TimeInterval(milliseconds) / 1000 + 0.0003)
            #expect(Timestamp.rfc3339(date) == date.formatted(style))
        }
        #expect(Timestamp.rfc3339(Date(timeIntervalSince1970: 1_762_048_748.312_999_9)) == "2025-11-02T01:59:08.313Z")
        #expect(Timestamp.rfc3339(Date(timeIntervalSince1970: -0.0004)) == "1970-01-01T00:00:00.000Z")
        #expect(Timestamp.rfc3339(Date(timeIntervalSince1970: -0.001)) == "1969-12-31T23:59:59.999Z")
        #expect(Timestamp.rfc3339(try Date("2024-02-29T23:59:59.999Z", strategy: style)) == "2024-02-29T23:59:59.999Z")
    }
}

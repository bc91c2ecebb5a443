import Foundation
import Hummingbird
import NimbusCore

/// The range a summaries request asks for (`cayenne-clients.md` §4, H2 and H3): `custom` with `startDate` and
/// `endDate` in epoch milliseconds, or a period of whole minutes, hours, days, weeks, months or years (`1month`,
/// `2month`, `7day`) ending now, or at the sensor's latest reading with `endDateLatest=true`.
struct SummaryRange {
    let dates: (from: Date, to: Date)

    /// The longest period: a hundred of its unit.
    static let maximumCount = 100

    init(type: String, query: Parameters, latest: Date?, now: Date = Date()) throws {
        if type == "custom" {
            dates = (try Self.epochMilliseconds(query.get("startDate"), "startDate"), try Self.epochMilliseconds(query.get("endDate"), "endDate"))
            return
        }
        guard let (count, component) = Self.period(type) else {
            throw NimbusError.invalidInput(field: "type", reason: "latest, custom, or a period such as 1hour, 7day, 1month or 1year")
        }
        let end = query.get("endDateLatest") == "true" ? latest ?? now : now
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        guard let start = calendar.date(byAdding: component, value: -count, to: end) else {
            throw NimbusError.invalidInput(field: "type", reason: "a period too long")
        }
        dates = (start, end)
    }

    /// `3month` → (3, .month); the unit may be plural.
    static func period(_ type: String) -> (Int, Calendar.Component)? {
        guard let (count, unit) = countAndUnit(type), (1...maximumCount).contains(count) else { return nil }
        let components: [String: Calendar.Component] = [
            "minute": .minute, "hour": .hour, "day": .day, "week": .weekOfYear, "month": .month, "year": .year,
        ]
        return components[unit].map { (count, $0) }
    }

    /// `15minutes` → (15, "minute"): a whole number followed by a unit, singular or plural.
    static func countAndUnit(_ text: String) -> (count: Int, unit: String)? {
        let digits = text.prefix { $0.isASCII && $0.isNumber }
        guard let count = Int(digits) else { return nil }
        var unit = String(text.dropFirst(digits.count))
        if unit.hasSuffix("s") { unit.removeLast() }
        return (count, unit)
    }

    /// `startDate` and `endDate` in epoch milliseconds, by default the epoch and now: the range of the history
    /// service's reads and of the export.
    static func startAndEnd(_ query: Parameters) throws -> (from: Date, to: Date) {
        (try query.get("startDate").map { try epochMilliseconds($0, "startDate") } ?? Date(timeIntervalSince1970: 0),
         try query.get("endDate").map { try epochMilliseconds($0, "endDate") } ?? Date())
    }

    /// A date given in epoch milliseconds (up to the year 3000).
    static func epochMilliseconds(_ text: String?, _ field: String) throws -> Date {
        guard let text, let milliseconds = Int64(text), milliseconds >= 0, milliseconds < 32_503_680_000_000 else {
            throw NimbusError.invalidInput(field: field, reason: "epoch milliseconds, required with type=custom")
        }
        return Date(timeIntervalSince1970: Double(milliseconds) / 1000)
    }
}

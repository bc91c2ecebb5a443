import Foundation

/// Times as every dialect writes them: RFC 3339 in UTC with exactly three fractional digits
/// (`2026-12-05T10:00:00.313Z`), rounded to the nearest millisecond. Foundation's ISO 8601 style truncates, and a
/// time read back as a `Double` may lie a hair under its millisecond (`.313` came out `.312`); this also runs on
/// every row of a CSV export, so it does the calendar arithmetic itself instead of going through `Calendar`.
public enum Timestamp {
    public static func rfc3339(_ date: Date) -> String {
        let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded())
        let (days, msOfDay) = floorDivision(milliseconds, 86_400_000)
        let (year, month, day) = civil(fromDays: days)
        let secondOfDay = msOfDay / 1000
        // Years 0 to 9999: 24 bytes written in place, one allocation.
        guard (0...9_999).contains(year) else { return "\(year)-\(month)-\(day)T\(secondOfDay)s\(msOfDay % 1000)msZ" }
        return String(unsafeUninitializedCapacity: 24) { text in
            func put(_ value: Int64, _ width: Int, at offset: Int) {
                var value = value
                for index in stride(from: offset + width - 1, through: offset, by: -1) {
                    text[index] = UInt8(ascii: "0") + UInt8(value % 10)
                    value /= 10
                }
            }
            put(year, 4, at: 0)
            text[4] = UInt8(ascii: "-")
            put(month, 2, at: 5)
            text[7] = UInt8(ascii: "-")
            put(day, 2, at: 8)
            text[10] = UInt8(ascii: "T")
            put(secondOfDay / 3600, 2, at: 11)
            text[13] = UInt8(ascii: ":")
            put(secondOfDay / 60 % 60, 2, at: 14)
            text[16] = UInt8(ascii: ":")
            put(secondOfDay % 60, 2, at: 17)
            text[19] = UInt8(ascii: ".")
            put(msOfDay % 1000, 3, at: 20)
            text[23] = UInt8(ascii: "Z")
            return 24
        }
    }

    /// An RFC 3339 time, with or without fractional seconds (`2026-12-05T10:00:00Z`, `…00.250Z`, `…00+01:00`).
    public static func parse(_ text: String) -> Date? {
        (try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true))) ?? (try? Date(text, strategy: Date.ISO8601FormatStyle()))
    }

    private static func floorDivision(_ value: Int64, _ divisor: Int64) -> (quotient: Int64, remainder: Int64) {
        let remainder = value % divisor
        return remainder < 0 ? (value / divisor - 1, remainder + divisor) : (value / divisor, remainder)
    }

    /// The proleptic Gregorian date of a day counted from 1970-01-01 (H. Hinnant's `civil_from_days`).
    private static func civil(fromDays days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}

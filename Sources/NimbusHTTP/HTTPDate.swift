#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// The `Date` field of responses (RFC 9110 §5.6.7: `Fri, 04 Dec 2026 18:55:24 GMT`), made once a second.
enum HTTPDate {
    private static let cache = Mutex<(second: Int, text: String)>((-1, ""))

    static func now() -> String {
        var seconds = time(nil)
        return cache.withLock { cache in
            if cache.second != seconds {
                var parts = tm()
                gmtime_r(&seconds, &parts)
                let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
                let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
                func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
                cache = (seconds, "\(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(parts.tm_year + 1900) "
                    + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT")
            }
            return cache.text
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The process's limit on open file descriptors (RLIMIT_NOFILE), which every socket counts against.
/// Many systems start processes with a soft limit of 1,024 and a far higher hard limit; the server
/// raises the soft limit to the hard one so that connection limits, not the descriptor table, decide
/// when clients are turned away.
enum OpenFileLimit {
    /// Raises the soft limit to the hard limit (capped at 1,048,576) and returns the soft limit now in force,
    /// or `nil` if it cannot be read.
    static func raiseToHardLimit() -> Int? {
        var limit = rlimit()
        guard getrlimit(resource, &limit) == 0 else { return nil }
        let wanted = min(limit.rlim_max, 1 << 20)
        if limit.rlim_cur < wanted {
            var raised = limit
            raised.rlim_cur = wanted
            if setrlimit(resource, &raised) == 0 { limit = raised }
        }
        return Int(clamping: limit.rlim_cur)
    }

    /// The default for `--http-max-connections`: 10,000, but never more than a quarter of the descriptors,
    /// so that MQTT, the database, `/health` from another address and the files the server opens keep the rest.
    static func defaultHTTPConnections(openFileLimit: Int?) -> Int {
        guard let openFileLimit else { return 10_000 }
        return max(16, min(10_000, openFileLimit / 4))
    }

    #if os(Linux)
    private static let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
    #else
    private static let resource = RLIMIT_NOFILE
    #endif
}

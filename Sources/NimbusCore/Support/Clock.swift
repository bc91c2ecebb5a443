import Foundation

/// The time source of the core; tests replace it to move past expiries without sleeping.
public protocol WallClock: Sendable {
    func now() -> Date
}

/// The system's clock, truncated to microseconds so that values survive a round trip through
/// PostgreSQL (`timestamptz` keeps microseconds) unchanged.
public struct SystemWallClock: WallClock {
    public init() {}
    public func now() -> Date {
        let micros = (Date().timeIntervalSince1970 * 1_000_000).rounded(.down)
        return Date(timeIntervalSince1970: micros / 1_000_000)
    }
}

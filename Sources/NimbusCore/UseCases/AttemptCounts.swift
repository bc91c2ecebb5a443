import Foundation
import Synchronization

/// Where a `SignInThrottle` counts attempts, by key (an account, an address).
public protocol AttemptCounts: Sendable {
    /// In one step: the counts of `keys` that changed within `window` (0 for the others); when `admits` them, each
    /// gets one more. - Returns: the counts before, or `nil` when not admitted (nothing changed).
    func count(_ keys: [String], within window: Duration, admitting admits: @Sendable ([Int]) -> Bool) async throws -> [Int]?
    func clear(_ key: String) async throws
    func decrement(_ key: String) async throws
}

/// Counts in this process's memory, bounded: past `capacity` keys the expired ones are dropped.
final class MemoryAttemptCounts: AttemptCounts {
    private struct Entry {
        var count: Int
        var last: ContinuousClock.Instant
    }

    private let entries = Mutex([String: Entry]())
    private let capacity = 100_000

    func count(_ keys: [String], within window: Duration, admitting admits: @Sendable ([Int]) -> Bool) -> [Int]? {
        let now = ContinuousClock.now
        return entries.withLock { entries in
            if entries.count >= capacity { entries = entries.filter { now - $0.value.last < window } }
            let counts = keys.map { key in entries[key].map { now - $0.last < window ? $0.count : 0 } ?? 0 }
            guard admits(counts) else { return nil }
            for (key, count) in zip(keys, counts) { entries[key] = Entry(count: count + 1, last: now) }
            return counts
        }
    }

    func clear(_ key: String) {
        entries.withLock { $0[key] = nil }
    }

    func decrement(_ key: String) {
        entries.withLock { entries in
            guard var entry = entries[key] else { return }
            entry.count -= 1
            entries[key] = entry.count > 0 ? entry : nil
        }
    }
}

/// Counts in the database the servers share (`AttemptCountRepository`), each count in one transaction that holds the
/// keys' rows, so that attempts on two servers at once take turns. Times are the servers' clocks, which must agree
/// within a small part of the window.
public struct StoredAttemptCounts: AttemptCounts {
    let store: any Store
    let clock: any WallClock

    public init(store: any Store, clock: any WallClock = SystemWallClock()) {
        self.store = store
        self.clock = clock
    }

    public func count(_ keys: [String], within window: Duration, admitting admits: @Sendable ([Int]) -> Bool) async throws -> [Int]? {
        let now = clock.now(), seconds = Double(window.components.seconds)
        return try await store.write { tx in
            let stored = try await tx.attemptCounts.lock(keys, at: now)
            let counts = keys.map { key in stored[key].map { now.timeIntervalSince($0.last) < seconds ? $0.count : 0 } ?? 0 }
            guard admits(counts) else { return nil }
            for (key, count) in zip(keys, counts) { try await tx.attemptCounts.set(key, count: count + 1, at: now) }
            return counts
        }
    }

    public func clear(_ key: String) async throws {
        let now = clock.now()
        try await store.write { tx in try await tx.attemptCounts.set(key, count: 0, at: now) }
    }

    public func decrement(_ key: String) async throws {
        let now = clock.now()
        try await store.write { tx in
            guard let current = try await tx.attemptCounts.lock([key], at: now)[key] else { return }
            try await tx.attemptCounts.set(key, count: current.count - 1, at: current.last)
        }
    }
}

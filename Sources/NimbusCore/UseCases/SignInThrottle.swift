import Synchronization

/// Slows down and then refuses password guessing. Failed sign-ins are counted per account and per
/// client address within a window: from `delayAfter` failures on, each attempt waits `delay`; from
/// `refuseAfter` on, sign-in is refused until the window since the last failure has passed.
///
/// Kept in memory: a restart forgets the counts, which costs an attacker a restart they cannot cause.
public final class SignInThrottle: Sendable {
    public enum Decision: Equatable, Sendable {
        case allowed(delay: Duration)
        case refused
    }

    public struct Limits: Sendable {
        public var window: Duration = .seconds(15 * 60)
        public var delayAfter = 4
        public var delay: Duration = .seconds(1)
        public var refuseAfter = 10
        public init() {}
    }

    private struct Failures {
        var count: Int
        var last: ContinuousClock.Instant
    }

    private let failures = Mutex([String: Failures]())
    private let limits: Limits
    private let capacity = 100_000

    public init(limits: Limits = Limits()) {
        self.limits = limits
    }

    /// What to do with an attempt on this account from this address.
    public func check(account: String, address: String?) -> Decision {
        let now = ContinuousClock.now
        let worst = failures.withLock { failures in
            keys(account: account, address: address).map { key -> Int in
                guard let entry = failures[key] else { return 0 }
                guard now - entry.last < limits.window else {
                    failures[key] = nil
                    return 0
                }
                return entry.count
            }.max() ?? 0
        }
        if worst >= limits.refuseAfter { return .refused }
        return .allowed(delay: worst >= limits.delayAfter ? limits.delay : .zero)
    }

    public func recordFailure(account: String, address: String?) {
        let now = ContinuousClock.now
        failures.withLock { failures in
            if failures.count >= capacity { failures = failures.filter { now - $0.value.last < limits.window } }
            for key in keys(account: account, address: address) {
                let count = failures[key].map { now - $0.last < limits.window ? $0.count : 0 } ?? 0
                failures[key] = Failures(count: count + 1, last: now)
            }
        }
    }

    /// A correct password clears the account's count (not the address's: one address may be guessing many accounts).
    public func recordSuccess(account: String) {
        _ = failures.withLock { $0.removeValue(forKey: "account:" + account) }
    }

    private func keys(account: String, address: String?) -> [String] {
        ["account:" + account] + (address.map { ["address:" + $0] } ?? [])
    }
}

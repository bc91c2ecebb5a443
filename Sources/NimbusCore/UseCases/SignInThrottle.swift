import Synchronization

/// Slows down and then refuses password and code guessing. Attempts are counted per account and per
/// client address within a window: from `delayAfter` failures of the account on, each attempt waits
/// `delay`; from `refuseAfter` failures of the account (or `refuseAfterPerAddress` of the address) on,
/// sign-in is refused until the window since the last failure has passed.
///
/// An attempt is counted when it starts (`begin`), before the secret is checked, and uncounted only
/// when it succeeds: concurrent guesses cannot slip past the limit while their checks are running.
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
        /// One address may sit in front of many people (NAT); it has a limit of its own.
        public var refuseAfterPerAddress = 10
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

    /// The throttle's key of an account: the same identifier in two projects is two accounts.
    public static func account(projectId: Int, _ identifier: String) -> String {
        "\(projectId):\(identifier.lowercased())"
    }

    /// Starts an attempt on this account from this address: refused, or counted as a failure (until
    /// `recordSuccess`) and allowed after the delay.
    public func begin(account: String, address: String?) -> Decision {
        let now = ContinuousClock.now
        return failures.withLock { failures in
            if failures.count >= capacity { failures = failures.filter { now - $0.value.last < limits.window } }
            let keys = keys(account: account, address: address)
            let counts = keys.map { key -> Int in
                guard let entry = failures[key], now - entry.last < limits.window else { return 0 }
                return entry.count
            }
            guard counts[0] < limits.refuseAfter, counts.dropFirst().allSatisfy({ $0 < limits.refuseAfterPerAddress }) else { return .refused }
            for (key, count) in zip(keys, counts) { failures[key] = Failures(count: count + 1, last: now) }
            return .allowed(delay: counts[0] >= limits.delayAfter ? limits.delay : .zero)
        }
    }

    /// The attempt begun on this account succeeded: the account's count is cleared, and the attempt is
    /// taken off the address's count (not all of it: one address may be guessing many accounts).
    public func recordSuccess(account: String, address: String?) {
        failures.withLock { failures in
            failures["account:" + account] = nil
            if let address, var entry = failures["address:" + address] {
                entry.count -= 1
                failures["address:" + address] = entry.count > 0 ? entry : nil
            }
        }
    }

    /// Runs `verify` as one counted attempt: refused with `refusal` past the limit, delayed when the
    /// account has failed often; a throw from `verify` leaves the attempt counted as a failure.
    public func attempt<T: Sendable>(
        account: String, address: String?, refusal: @autoclosure () -> any Error, _ verify: () async throws -> T
    ) async throws -> T {
        switch begin(account: account, address: address) {
        case .refused: throw refusal()
        case .allowed(let delay): if delay > .zero { try await Task.sleep(for: delay) }
        }
        let result = try await verify()
        recordSuccess(account: account, address: address)
        return result
    }

    private func keys(account: String, address: String?) -> [String] {
        ["account:" + account] + (address.map { ["address:" + $0] } ?? [])
    }
}

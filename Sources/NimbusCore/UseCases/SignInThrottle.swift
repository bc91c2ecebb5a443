import Synchronization

/// Slows down and then refuses password and code guessing. Attempts are counted per account and per
/// client address within a window: from `delayAfter` failures of the account on, each attempt waits
/// `delay`; from `refuseAfter` failures of the account (or `refuseAfterPerAddress` of the address) on,
/// sign-in is refused until the window since the last failure has passed.
///
/// An attempt is counted when it starts (`begin`), before the secret is checked, and uncounted only
/// when it succeeds: concurrent guesses cannot slip past the limit while their checks are running.
///
/// Counted in memory on a server alone on its database (a restart forgets the counts, which costs an attacker a
/// restart they cannot cause), in the database when several servers share it.
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

    private let counts: any AttemptCounts
    public let limits: Limits

    /// - Parameter counts: where attempts are counted: this process's memory (the default), or the database when
    ///   several servers share it (`StoredAttemptCounts`), so that the limits hold across them.
    public init(limits: Limits = Limits(), counts: (any AttemptCounts)? = nil) {
        self.limits = limits
        self.counts = counts ?? MemoryAttemptCounts()
    }

    /// The throttle's key of an account: the same identifier in two projects is two accounts.
    public static func account(projectId: Int, _ identifier: String) -> String {
        "\(projectId):\(identifier.lowercased())"
    }

    /// Starts an attempt on this account from this address: refused, or counted as a failure (until
    /// `recordSuccess`) and allowed after the delay.
    public func begin(account: String, address: String?) async throws -> Decision {
        let (perAccount, perAddress) = (limits.refuseAfter, limits.refuseAfterPerAddress)
        let before = try await counts.count(keys(account: account, address: address), within: limits.window) { counts in
            counts[0] < perAccount && counts.dropFirst().allSatisfy { $0 < perAddress }
        }
        guard let before else { return .refused }
        return .allowed(delay: before[0] >= limits.delayAfter ? limits.delay : .zero)
    }

    /// The attempt begun on this account succeeded: the account's count is cleared, and the attempt is
    /// taken off the address's count (not all of it: one address may be guessing many accounts).
    public func recordSuccess(account: String, address: String?) async throws {
        try await counts.clear("account:" + account)
        if let address { try await counts.decrement("address:" + address) }
    }

    /// Runs `verify` as one counted attempt: refused with `refusal` past the limit, delayed when the
    /// account has failed often; a throw from `verify` leaves the attempt counted as a failure.
    public func attempt<T: Sendable>(
        account: String, address: String?, refusal: @autoclosure () -> any Error, _ verify: () async throws -> T
    ) async throws -> T {
        switch try await begin(account: account, address: address) {
        case .refused: throw refusal()
        case .allowed(let delay): if delay > .zero { try await Task.sleep(for: delay) }
        }
        let result = try await verify()
        try await recordSuccess(account: account, address: address)
        return result
    }

    private func keys(account: String, address: String?) -> [String] {
        ["account:" + account] + (address.map { ["address:" + $0] } ?? [])
    }
}

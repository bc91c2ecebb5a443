import Foundation
import Synchronization

/// Caps the messages (SMS codes, emails) Nimbus sends to an address the caller chooses, so that it
/// cannot be used to flood a phone or a mailbox, nor to hand out fresh codes to guess.
///
/// Per target (phone number or email address) the count is durable: each message is a row of the
/// store's message log, counted in the transaction that enqueues it, so it survives a restart and
/// holds for every node sharing the database. Per client address (which only stops one address from spraying many
/// targets) the count is in memory on a server alone on its database, and in the database beside other servers.
public final class MessageThrottle: Sendable {
    public struct Limits: Sendable {
        /// Messages to one phone number or email address within `window`.
        public var perTarget = 10
        /// Messages asked for from one client address within `window`.
        public var perAddress = 100
        public var window: TimeInterval = 3600
        /// Wrong SMS codes for one phone number within `window`, across every code sent to it.
        public var smsCodeFailures = 5
        public init() {}
    }

    private struct Count {
        var value: Int
        var start: ContinuousClock.Instant
    }

    public let limits: Limits
    private let byAddress = Mutex([String: Count]())
    private let capacity = 100_000
    /// Whether the per-address counts are kept in the database (several servers share it) instead of memory.
    private let countsAddressesInStore: Bool

    /// - Parameter countsAddressesInStore: count per client address in the database (`attempt_counts`), so that the
    ///   limit holds across the servers sharing it, rather than in this process's memory.
    public init(limits: Limits = Limits(), countsAddressesInStore: Bool = false) {
        self.limits = limits
        self.countsAddressesInStore = countsAddressesInStore
    }

    /// Counts one message to `target` (a normalised address) asked for from `address`, inside the
    /// transaction that enqueues it; refuses with `tooManyAttempts` past either limit.
    func admit(_ target: String, address: String?, at now: Date, in tx: any StoreTransaction) async throws {
        if countsAddressesInStore {
            try await admit(address: address, at: now, in: tx)
        } else {
            try admit(address: address)
        }
        // Hashed: the log needs to recognise an address, not to hold it.
        let key = Secrets.hash(target)
        guard try await tx.outbox.messageCount(target: key, since: now - limits.window) < limits.perTarget else {
            throw NimbusError.tooManyAttempts
        }
        try await tx.outbox.logMessage(target: key, at: now, forgettingBefore: now - limits.window)
    }

    /// `admit(address:)` in the database, in the enqueuing transaction: the row's time is the window's start.
    private func admit(address: String?, at now: Date, in tx: any StoreTransaction) async throws {
        guard let address else { return }
        let key = "message-address:" + address
        let stored = try await tx.attemptCounts.lock([key], at: now)[key]
        let (count, start) = stored.flatMap { now.timeIntervalSince($0.last) < limits.window ? ($0.count, $0.last) : nil } ?? (0, now)
        guard count < limits.perAddress else { throw NimbusError.tooManyAttempts }
        try await tx.attemptCounts.set(key, count: count + 1, at: start)
    }

    /// Counts a request from the client address in a fixed window; refuses past `perAddress`.
    private func admit(address: String?) throws {
        guard let address else { return }
        let now = ContinuousClock.now
        let window = Duration.seconds(limits.window)
        let admitted = byAddress.withLock { counts in
            if counts.count >= capacity { counts = counts.filter { now - $0.value.start < window } }
            var count = counts[address].flatMap { now - $0.start < window ? $0 : nil } ?? Count(value: 0, start: now)
            guard count.value < limits.perAddress else { return false }
            count.value += 1
            counts[address] = count
            return true
        }
        guard admitted else { throw NimbusError.tooManyAttempts }
    }
}

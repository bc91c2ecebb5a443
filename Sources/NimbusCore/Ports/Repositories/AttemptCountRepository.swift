import Foundation

/// Sign-in attempts counted in the database, for a `SignInThrottle` shared by the servers on it (`StoredAttemptCounts`).
public protocol AttemptCountRepository: Sendable {
    /// The counts of `keys` and when each last changed, locked until the transaction ends (PostgreSQL: `FOR UPDATE`
    /// after making the missing rows), so that two servers counting the same key take turns.
    func lock(_ keys: [String], at time: Date) async throws -> [String: (count: Int, last: Date)]
    func set(_ key: String, count: Int, at time: Date) async throws
    /// Forgets the counts that last changed before `cutoff`.
    func forget(changedBefore cutoff: Date) async throws
}

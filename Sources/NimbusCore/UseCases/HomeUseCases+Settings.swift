import Foundation

/// Settings a dialect keeps for a home (a WiFi Motion network's address and time zone, its scene config), each a
/// JSON document under a key of the home's settings (`KeyValueScope.homeSettings`). Members read them; owners change
/// them. The dialect checks what a document holds; the core keeps it whole.
extension HomeUseCases {
    /// The settings document `key` of a home the caller belongs to, with when it was saved; `nil` when never.
    public func setting(_ key: String, of homeId: Int, by principal: Principal) async throws -> (value: JSONValue, time: Date)? {
        try await store.read { tx in
            _ = try await AccessPolicy.home(homeId, for: principal, .read, in: tx)
            return try await tx.keyValues.get(.homeSettings(homeId), key: key).map { ($0.value, $0.modificationTime) }
        }
    }

    /// Saves the settings document `key` of a home the caller owns.
    public func setSetting(_ key: String, of homeId: Int, to value: JSONValue, by principal: Principal) async throws {
        let now = environment.clock.now()
        try await store.write { tx in
            _ = try await AccessPolicy.home(homeId, for: principal, .manage(.admin), in: tx)
            _ = try await tx.keyValues.put(.homeSettings(homeId), key: key, value: value, at: now)
        }
    }
}

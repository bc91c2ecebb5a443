import Foundation

/// Key-value pairs of homes and devices.
public struct KeyValueUseCases: Sendable {
    /// The largest value accepted, as JSON text.
    public static let maximumValueBytes = 64 * 1024

    let environment: CoreEnvironment
    var store: any Store { environment.store }

    public func list(_ scope: KeyValueScope, keyPrefix: String?, by principal: Principal) async throws -> [KeyValuePair] {
        try await store.read { tx in
            try await self.authorize(scope, principal, write: false, in: tx)
            return try await tx.keyValues.list(scope, keyPrefix: keyPrefix)
        }
    }

    public func get(_ scope: KeyValueScope, key: String, by principal: Principal) async throws -> KeyValuePair {
        try await store.read { tx in
            try await self.authorize(scope, principal, write: false, in: tx)
            guard let pair = try await tx.keyValues.get(scope, key: key) else { throw NimbusError.notFound("kv") }
            return pair
        }
    }

    public func put(_ scope: KeyValueScope, key: String, value: JSONValue, by principal: Principal) async throws -> KeyValuePair {
        try Validation.keyValueKey(key)
        if value == .null { throw NimbusError.invalidInput(field: "value", reason: "must not be null") }
        guard value.jsonText.utf8.count <= Self.maximumValueBytes else {
            throw NimbusError.invalidInput(field: "value", reason: "at most \(Self.maximumValueBytes) bytes")
        }
        let now = environment.clock.now()
        let pair = try await store.write { tx in
            try await self.authorize(scope, principal, write: true, in: tx)
            return try await tx.keyValues.put(scope, key: key, value: value, at: now)
        }
        announce(.set(pair), in: scope)
        return pair
    }

    public func delete(_ scope: KeyValueScope, key: String, by principal: Principal) async throws {
        let revision = try await store.write { tx in
            try await self.authorize(scope, principal, write: true, in: tx)
            guard let revision = try await tx.keyValues.delete(scope, key: key) else { throw NimbusError.notFound("kv") }
            return revision
        }
        announce(.deleted(key: key, revision: revision), in: scope)
    }

    /// Every pair of the scope with the store-wide revision they are current at: what a device syncing its
    /// key-value store over MQTT gets first (MODE's `reload`).
    public func snapshot(_ scope: KeyValueScope, by principal: Principal) async throws -> (pairs: [KeyValuePair], revision: Int) {
        try await store.read { tx in
            try await self.authorize(scope, principal, write: false, in: tx)
            return (try await tx.keyValues.list(scope, keyPrefix: nil), try await tx.keyValues.currentRevision())
        }
    }

    /// Tells the device's live connections about a committed change to its pairs (best effort, like all bus
    /// traffic: a device that misses it gets the whole store again when it next subscribes).
    private func announce(_ change: KeyValueChange, in scope: KeyValueScope) {
        guard case .device(let deviceId) = scope else { return }
        environment.bus.publish(.keyValue(change), to: .device(deviceId))
    }

    private func authorize(_ scope: KeyValueScope, _ principal: Principal, write: Bool, in tx: any StoreTransaction) async throws {
        switch scope {
        case .home(let id): _ = try await AccessPolicy.home(id, for: principal, write ? .write(.kv) : .read, in: tx)
        case .device(let id): _ = try await AccessPolicy.device(id, for: principal, write ? .write(.kv) : .read, in: tx)
        case .homeSettings(let id): _ = try await AccessPolicy.home(id, for: principal, write ? .manage(.admin) : .read, in: tx)
        }
    }
}

import Foundation

/// Key-value pairs of homes and devices.
public protocol KeyValueRepository: Sendable {
    func get(_ scope: KeyValueScope, key: String) async throws -> KeyValuePair?
    func list(_ scope: KeyValueScope, keyPrefix: String?) async throws -> [KeyValuePair]
    /// Creates or replaces the pair and returns it with its new revision.
    func put(_ scope: KeyValueScope, key: String, value: JSONValue, at time: Date) async throws -> KeyValuePair
    /// Deletes the pair; returns the revision of the deletion, or `nil` when there was no such key.
    func delete(_ scope: KeyValueScope, key: String) async throws -> Int?
    /// The store-wide revision now: the revision of the latest change to any pair.
    func currentRevision() async throws -> Int
}

import Foundation

/// Each account's MQTT credentials (one per account).
public protocol AccountMQTTClientRepository: Sendable {
    func insert(_ client: AccountMQTTClient) async throws
    func get(id: UUID) async throws -> AccountMQTTClient?
    func find(homeId: Int) async throws -> AccountMQTTClient?
    /// Replaces the secret (rotation).
    func update(_ client: AccountMQTTClient) async throws
}

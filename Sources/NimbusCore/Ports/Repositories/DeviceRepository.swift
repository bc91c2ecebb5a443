import Foundation

/// Devices and provisioning tokens.
public protocol DeviceRepository: Sendable {
    /// Inserts a device; `device.id` is ignored and the stored device is returned.
    func insert(_ device: Device) async throws -> Device
    func get(id: Int) async throws -> Device?
    /// The devices of these ids that exist, in no particular order.
    func get(ids: [Int]) async throws -> [Device]
    func find(apiKeyHash: String) async throws -> Device?
    func find(projectId: Int, claimCodeHash: String) async throws -> Device?
    func update(_ device: Device) async throws
    func delete(id: Int) async throws
    func list(projectId: Int, homeId: Int?, page: PageRequest) async throws -> Page<Device>
    func setConnected(id: Int, connected: Bool, at time: Date) async throws
    /// Marks every device disconnected: after a restart no connection is left.
    func resetConnections(at time: Date) async throws
    func insertProvisioningToken(_ token: ProvisioningToken) async throws
    func provisioningToken(hash: String) async throws -> ProvisioningToken?
    func markProvisioningTokenUsed(id: Int) async throws
}

import Foundation

/// Devices and provisioning tokens.
public protocol DeviceRepository: Sendable {
    /// Inserts a device; `device.id` is ignored and the stored device is returned.
    func insert(_ device: Device) async throws -> Device
    func get(id: Int) async throws -> Device?
    /// The devices of these ids that exist, in no particular order.
    func get(ids: [Int]) async throws -> [Device]
    /// What an event of each of these devices needs of it (the ingest's one lookup per batch, kept narrow).
    func eventOrigins(ids: [Int]) async throws -> [EventOrigin]
    /// The device with this UUID (a Cayenne thing id).
    func find(uuid: UUID) async throws -> Device?
    /// The devices of these UUIDs that exist, in no particular order.
    func find(uuids: [UUID]) async throws -> [Device]
    func find(apiKeyHash: String) async throws -> Device?
    func find(projectId: Int, claimCodeHash: String) async throws -> Device?
    func update(_ device: Device) async throws
    func delete(id: Int) async throws
    /// The top-level devices (children of another thing are listed with it: `children(of:)`).
    func list(projectId: Int, homeId: Int?, page: PageRequest) async throws -> Page<Device>
    /// How many devices a home (a Cayenne account) holds, children and deactivated ones included.
    func count(homeId: Int) async throws -> Int
    /// The children of these things, oldest first.
    func children(of parentIds: [Int]) async throws -> [Device]
    /// The child of a thing that stands for `channel`.
    func child(of parentId: Int, channel: String) async throws -> Device?
    /// A thing of the account with this hardware id (the newest, if several).
    func find(homeId: Int, hardwareId: String) async throws -> Device?
    /// Records that these things reported at `time`.
    func setLastOnline(ids: [Int], at time: Date) async throws
    func setConnected(id: Int, connected: Bool, at time: Date) async throws
    func insertProvisioningToken(_ token: ProvisioningToken) async throws
    func provisioningToken(hash: String) async throws -> ProvisioningToken?
    func markProvisioningTokenUsed(id: Int) async throws
}

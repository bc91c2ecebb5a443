import Foundation

/// The thing registry of each project.
public protocol RegistryRepository: Sendable {
    /// Inserts the entries; a hardware id the project already has fails the whole insert (`rejected(.alreadyExists)`
    /// is decided by the caller with `existing` first).
    func insert(_ entries: [RegistryEntry]) async throws
    func get(id: UUID, projectId: Int) async throws -> RegistryEntry?
    func find(projectId: Int, hardwareId: String) async throws -> RegistryEntry?
    /// The hardware ids among `hardwareIds` that the project already has.
    func existing(projectId: Int, hardwareIds: [String]) async throws -> [String]
    /// How many entries an account has provisioned.
    func count(homeId: Int) async throws -> Int
    func update(_ entry: RegistryEntry) async throws
    func delete(id: UUID) async throws
}

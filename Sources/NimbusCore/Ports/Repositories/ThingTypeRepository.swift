import Foundation

/// Thing types and their channels. The built-in types (`ThingType.builtIn`) are not stored.
public protocol ThingTypeRepository: Sendable {
    func insert(_ type: ThingType) async throws
    func get(id: UUID, projectId: Int) async throws -> ThingType?
    /// The project's types that an account sees: the project-wide ones and the account's own, oldest first.
    func list(projectId: Int, homeId: Int?) async throws -> [ThingType]
    func update(_ type: ThingType) async throws
    /// Deletes the type with its channels.
    func delete(id: UUID) async throws
    /// How many things are of this type (a type in use cannot be deleted).
    func thingCount(typeId: UUID) async throws -> Int

    func channels(typeId: UUID) async throws -> [ThingTypeChannel]
    /// Adds a channel; `channel.id` is ignored and the stored channel is returned.
    func insertChannel(_ channel: ThingTypeChannel) async throws -> ThingTypeChannel
    func updateChannel(_ channel: ThingTypeChannel) async throws
    func deleteChannel(id: Int) async throws
}

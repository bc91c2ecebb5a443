import Foundation

/// Commands sent to things, with their outcome.
public protocol ThingCommandRepository: Sendable {
    /// Stores a command; `command.id` is ignored and the stored command is returned.
    func insert(_ command: ThingCommand) async throws -> ThingCommand
    func get(id: Int) async throws -> ThingCommand?
    /// The pending command of a thing with this sequence id.
    func pending(thingId: Int, seq: String) async throws -> ThingCommand?
    /// A thing's pending commands not yet delivered and not expired at `now`, oldest first.
    func undelivered(thingId: Int, at now: Date) async throws -> [ThingCommand]
    /// The pending commands of every thing whose expiration is after `after` and at most `upTo`, oldest first.
    func expired(after: Date, upTo: Date) async throws -> [ThingCommand]
    /// How many of a thing's commands are pending and not expired at `now` (delivered or waiting to be).
    func waitingCount(thingId: Int, at now: Date) async throws -> Int
    /// Forgets a thing's commands but the `keep` most recent ones and those still waiting at `now`.
    func prune(thingId: Int, keep: Int, at now: Date) async throws
    /// A thing's most recent commands, newest first.
    func recent(thingId: Int, limit: Int) async throws -> [ThingCommand]
    func update(_ command: ThingCommand) async throws
}

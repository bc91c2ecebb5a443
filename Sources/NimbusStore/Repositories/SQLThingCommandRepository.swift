import Foundation
import NimbusCore
import SQLKit

struct SQLThingCommandRepository: ThingCommandRepository {
    let db: any SQLDatabase

    func insert(_ command: ThingCommand) async throws -> ThingCommand {
        var stored = command
        stored.id = try await db.insertReturningId("""
            INSERT INTO thing_commands (thing_id, channel, value, seq, status, message, creation_time, delivery_time, answer_time, expiration_time)
            VALUES (\(bind: command.thingId), \(bind: command.channel), \(bind: command.value), \(bind: command.seq),
                \(bind: command.status.rawValue), \(bind: command.message), \(bind: command.creationTime), \(bind: command.deliveryTime),
                \(bind: command.answerTime), \(bind: command.expirationTime))
            """)
        return stored
    }

    func get(id: Int) async throws -> ThingCommand? {
        try await db.raw("SELECT * FROM thing_commands WHERE id = \(bind: id)").first().map(Self.command)
    }

    func pending(thingId: Int, seq: String) async throws -> ThingCommand? {
        try await db.raw("""
            SELECT * FROM thing_commands WHERE thing_id = \(bind: thingId) AND seq = \(bind: seq) AND status = 'pending' ORDER BY id DESC LIMIT 1
            """).first().map(Self.command)
    }

    func undelivered(thingId: Int, at now: Date) async throws -> [ThingCommand] {
        try await db.raw("""
            SELECT * FROM thing_commands WHERE thing_id = \(bind: thingId) AND status = 'pending' AND delivery_time IS NULL
                AND expiration_time > \(bind: now)
            ORDER BY id
            """).all().map(Self.command)
    }

    func expired(after: Date, upTo: Date) async throws -> [ThingCommand] {
        try await db.raw("""
            SELECT * FROM thing_commands WHERE expiration_time > \(bind: after) AND expiration_time <= \(bind: upTo) AND status = 'pending'
            ORDER BY expiration_time, id
            """).all().map(Self.command)
    }

    func waitingCount(thingId: Int, at now: Date) async throws -> Int {
        try await db.raw("""
            SELECT COUNT(*) AS n FROM thing_commands WHERE thing_id = \(bind: thingId) AND status = 'pending' AND expiration_time > \(bind: now)
            """).first()?.column("n") ?? 0
    }

    func prune(thingId: Int, keep: Int, at now: Date) async throws {
        try await db.raw("""
            DELETE FROM thing_commands WHERE thing_id = \(bind: thingId)
                AND NOT (status = 'pending' AND expiration_time > \(bind: now))
                AND id NOT IN (SELECT id FROM thing_commands WHERE thing_id = \(bind: thingId) ORDER BY id DESC LIMIT \(bind: keep))
            """).run()
    }

    func recent(thingId: Int, limit: Int) async throws -> [ThingCommand] {
        try await db.raw("SELECT * FROM thing_commands WHERE thing_id = \(bind: thingId) ORDER BY id DESC LIMIT \(bind: limit)")
            .all().map(Self.command)
    }

    func update(_ command: ThingCommand) async throws {
        try await db.raw("""
            UPDATE thing_commands SET status = \(bind: command.status.rawValue), message = \(bind: command.message),
                delivery_time = \(bind: command.deliveryTime), answer_time = \(bind: command.answerTime)
            WHERE id = \(bind: command.id)
            """).run()
    }

    static func command(_ row: any SQLRow) throws -> ThingCommand {
        ThingCommand(
            id: try row.column("id"), thingId: try row.column("thing_id"), channel: try row.column("channel"), value: try row.column("value"),
            seq: try row.column("seq"), status: ThingCommand.Status(rawValue: try row.column("status")) ?? .error,
            message: try row.column("message"), creationTime: try row.column("creation_time"), deliveryTime: try row.column("delivery_time"),
            answerTime: try row.column("answer_time"), expirationTime: try row.column("expiration_time"))
    }
}

import Foundation
import NimbusCore
import SQLKit

struct SQLThingTypeRepository: ThingTypeRepository {
    let db: any SQLDatabase

    func insert(_ type: ThingType) async throws {
        try await db.raw("""
            INSERT INTO thing_types (id, project_id, home_id, name, description, category, subcategory, transport_protocol,
                protocol_version, model, version, manufacturer, codec, data_type, parent_constraint, child_constraint, properties,
                creation_time, update_time)
            VALUES (\(bind: type.id.lowercaseString), \(bind: type.projectId), \(bind: type.homeId), \(bind: type.name), \(bind: type.description),
                \(bind: type.category), \(bind: type.subcategory), \(bind: type.transportProtocol), \(bind: type.protocolVersion),
                \(bind: type.model), \(bind: type.version), \(bind: type.manufacturer), \(bind: type.codec), \(bind: type.dataType),
                \(bind: type.parentConstraint.rawValue), \(bind: type.childConstraint.rawValue),
                \(bind: JSONValue.object(type.properties).jsonText), \(bind: type.creationTime), \(bind: type.updateTime))
            """).run()
    }

    func get(id: UUID, projectId: Int) async throws -> ThingType? {
        try await db.raw("SELECT * FROM thing_types WHERE id = \(bind: id.lowercaseString) AND project_id = \(bind: projectId)").first().map(Self.type)
    }

    func list(projectId: Int, homeId: Int?) async throws -> [ThingType] {
        try await db.raw("""
            SELECT * FROM thing_types WHERE project_id = \(bind: projectId) AND (home_id IS NULL OR home_id = \(bind: homeId ?? -1))
            ORDER BY creation_time, id
            """).all().map(Self.type)
    }

    func update(_ type: ThingType) async throws {
        try await db.raw("""
            UPDATE thing_types SET name = \(bind: type.name), description = \(bind: type.description), category = \(bind: type.category),
                subcategory = \(bind: type.subcategory), transport_protocol = \(bind: type.transportProtocol),
                protocol_version = \(bind: type.protocolVersion), model = \(bind: type.model), version = \(bind: type.version),
                manufacturer = \(bind: type.manufacturer), codec = \(bind: type.codec), data_type = \(bind: type.dataType),
                parent_constraint = \(bind: type.parentConstraint.rawValue), child_constraint = \(bind: type.childConstraint.rawValue),
                properties = \(bind: JSONValue.object(type.properties).jsonText), update_time = \(bind: type.updateTime)
            WHERE id = \(bind: type.id.lowercaseString)
            """).run()
    }

    func delete(id: UUID) async throws {
        try await db.raw("DELETE FROM thing_type_channels WHERE type_id = \(bind: id.lowercaseString)").run()
        try await db.raw("DELETE FROM thing_types WHERE id = \(bind: id.lowercaseString)").run()
    }

    func thingCount(typeId: UUID) async throws -> Int {
        // Device classes hold the type id as text, as it was written (lower case, `UUID.lowercaseString`).
        try await db.raw("SELECT COUNT(*) AS n FROM devices WHERE device_class = \(bind: typeId.lowercaseString)").first()?.column("n") ?? 0
    }

    func channels(typeId: UUID) async throws -> [ThingTypeChannel] {
        try await db.raw("SELECT * FROM thing_type_channels WHERE type_id = \(bind: typeId.lowercaseString) ORDER BY id").all().map(Self.channel)
    }

    func insertChannel(_ channel: ThingTypeChannel) async throws -> ThingTypeChannel {
        var stored = channel
        stored.id = try await db.insertReturningId("""
            INSERT INTO thing_type_channels (type_id, channel, name, data_type, ipso)
            VALUES (\(bind: channel.typeId.lowercaseString), \(bind: channel.channel), \(bind: channel.name), \(bind: channel.dataType), \(bind: channel.ipso))
            """)
        return stored
    }

    func updateChannel(_ channel: ThingTypeChannel) async throws {
        try await db.raw("""
            UPDATE thing_type_channels SET channel = \(bind: channel.channel), name = \(bind: channel.name),
                data_type = \(bind: channel.dataType), ipso = \(bind: channel.ipso)
            WHERE id = \(bind: channel.id)
            """).run()
    }

    func deleteChannel(id: Int) async throws {
        try await db.raw("DELETE FROM thing_type_channels WHERE id = \(bind: id)").run()
    }

    static func type(_ row: any SQLRow) throws -> ThingType {
        guard let id = UUID(uuidString: try row.column("id")) else { throw StoreError.unexpectedRow("thing type id") }
        return ThingType(
            id: id, projectId: try row.column("project_id"), homeId: try row.column("home_id"), name: try row.column("name"),
            description: try row.column("description"), category: try row.column("category"), subcategory: try row.column("subcategory"),
            transportProtocol: try row.column("transport_protocol"), protocolVersion: try row.column("protocol_version"),
            model: try row.column("model"), version: try row.column("version"), manufacturer: try row.column("manufacturer"),
            codec: try row.column("codec"), dataType: try row.column("data_type"),
            parentConstraint: ThingType.Constraint(rawValue: try row.column("parent_constraint")) ?? .allowed,
            childConstraint: ThingType.Constraint(rawValue: try row.column("child_constraint")) ?? .allowed,
            properties: try row.json("properties").objectValue ?? [:], creationTime: try row.column("creation_time"),
            updateTime: try row.column("update_time"))
    }

    static func channel(_ row: any SQLRow) throws -> ThingTypeChannel {
        guard let typeId = UUID(uuidString: try row.column("type_id")) else { throw StoreError.unexpectedRow("thing type id") }
        return ThingTypeChannel(
            id: try row.column("id"), typeId: typeId, channel: try row.column("channel"), name: try row.column("name"),
            dataType: try row.column("data_type"), ipso: try row.column("ipso"))
    }
}

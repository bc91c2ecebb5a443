import Foundation
import Hummingbird
import NimbusCore
import NimbusHTTP

/// `/v1.1/things/types`: thing types and their channels (`cayenne-clients.md` §3, P11–P16).
struct CayenneThingTypesController {
    let types: ThingTypeUseCases

    func addRoutes(to group: RouterGroup<NimbusRequestContext>) {
        group.get("things/types", use: list)
        group.post("things/types", use: create)
        group.get("things/types/:id", use: get)
        group.put("things/types/:id", use: update)
        group.delete("things/types/:id", use: delete)
        group.get("things/types/:id/channels", use: channels)
        group.post("things/types/:id/channels", use: addChannel)
        group.put("things/types/:id/channels/:channelId", use: updateChannel)
        group.delete("things/types/:id/channels/:channelId", use: deleteChannel)
    }

    /// `{count, rows}`: the sample app reads `rows` (the seed showed a bare array; real clients win, §9).
    func list(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let types = try await types.list(accountId: try CayenneThingWire.accountId(request), by: context.principal)
        return CayenneResponse.json(.object(["count": .number(Double(types.count)), "rows": .array(types.map { CayenneThingWire.type($0) })]))
    }

    func create(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let fields = try await RequestFields.read(request, context: context)
        let created = try await types.create(try Self.changes(fields), accountId: try CayenneThingWire.accountId(request, fields), by: context.principal)
        return CayenneResponse.json(CayenneThingWire.type(created.type, channels: created.channels), status: .created)
    }

    func get(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let described = try await types.get(try Self.typeId(context), accountId: try CayenneThingWire.accountId(request), by: context.principal)
        return CayenneResponse.json(CayenneThingWire.type(described.type, channels: described.channels))
    }

    func update(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let fields = try await RequestFields.read(request, context: context)
        let updated = try await types.update(
            try Self.typeId(context), try Self.changes(fields), accountId: try CayenneThingWire.accountId(request, fields), by: context.principal)
        return CayenneResponse.json(CayenneThingWire.type(updated.type, channels: updated.channels))
    }

    func delete(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        try await types.delete(try Self.typeId(context), accountId: try CayenneThingWire.accountId(request), by: context.principal)
        return CayenneResponse.json(["success": .bool(true)])
    }

    /// A bare array of `{id, name, channel, datatype, ipso}`.
    func channels(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let described = try await types.get(try Self.typeId(context), accountId: try CayenneThingWire.accountId(request), by: context.principal)
        return CayenneResponse.json(.array(described.channels.map(CayenneThingWire.channel)))
    }

    func addChannel(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let fields = try await RequestFields.read(request, context: context)
        let channel = try await types.addChannel(
            try Self.channelChanges(fields), to: try Self.typeId(context), accountId: try CayenneThingWire.accountId(request, fields),
            by: context.principal)
        return CayenneResponse.json(CayenneThingWire.channel(channel), status: .created)
    }

    func updateChannel(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let fields = try await RequestFields.read(request, context: context)
        let channel = try await types.updateChannel(
            try Self.channelId(context), try Self.channelChanges(fields), of: try Self.typeId(context),
            accountId: try CayenneThingWire.accountId(request, fields), by: context.principal)
        return CayenneResponse.json(CayenneThingWire.channel(channel))
    }

    func deleteChannel(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        try await types.deleteChannel(
            try Self.channelId(context), of: try Self.typeId(context), accountId: try CayenneThingWire.accountId(request), by: context.principal)
        return CayenneResponse.json(["success": .bool(true)])
    }

    // MARK: - Wire

    static func typeId(_ context: NimbusRequestContext) throws -> UUID {
        try CayenneThingWire.uuid(context, what: "thing type")
    }

    static func channelId(_ context: NimbusRequestContext) throws -> Int {
        guard let id = context.parameters.get("channelId", as: Int.self) else { throw NimbusError.notFound("channel") }
        return id
    }

    static func changes(_ fields: RequestFields) throws -> ThingTypeUseCases.Changes {
        var changes = ThingTypeUseCases.Changes()
        changes.name = try fields.string("name")
        changes.description = try fields.string("description")
        changes.category = try fields.string("category")
        changes.subcategory = try fields.string("subcategory")
        changes.transportProtocol = try fields.string("transport_protocol")
        changes.protocolVersion = try CayenneThingWire.text(fields, "protocol_version")
        changes.model = try fields.string("model")
        changes.version = try CayenneThingWire.text(fields, "version")
        changes.manufacturer = try fields.string("manufacturer")
        changes.codec = try fields.string("codec")
        changes.dataType = try fields.string("data_type")
        changes.parentConstraint = try constraint(fields, "parent_constraint")
        changes.childConstraint = try constraint(fields, "child_constraint")
        changes.properties = try fields.object("properties")
        return changes
    }

    static func channelChanges(_ fields: RequestFields) throws -> ThingTypeUseCases.ChannelChanges {
        ThingTypeUseCases.ChannelChanges(
            channel: try CayenneThingWire.text(fields, "channel"), name: try fields.string("name"),
            dataType: try fields.string("datatype") ?? fields.string("data_type"), ipso: try CayenneThingWire.text(fields, "ipso"))
    }

    private static func constraint(_ fields: RequestFields, _ key: String) throws -> ThingType.Constraint? {
        guard let raw = try fields.string(key) else { return nil }
        guard let constraint = ThingType.Constraint(rawValue: raw.uppercased()) else {
            throw NimbusError.invalidInput(field: key, reason: "must be ALLOWED or NOT_ALLOWED")
        }
        return constraint
    }
}

import Foundation
import Hummingbird
import NimbusCore
import NimbusHTTP

/// `/v1.1/things`: an account's things (`cayenne-clients.md` §3, P3–P8).
struct CayenneThingsController {
    let things: ThingUseCases
    let commands: ThingCommandUseCases

    func addRoutes(to group: RouterGroup<NimbusRequestContext>) {
        group.get("things", use: list)
        group.post("things", use: create)
        group.get("things/:id", use: get)
        group.put("things/:id", use: update)
        group.delete("things/:id", use: delete)
        group.post("things/:id/cmd", use: sendCommand)
        group.get("things/:id/cmd", use: listCommands)
        group.get("things/:id/cmd/:commandId", use: getCommand)
    }

    /// `{channel, value}` (channel a number or a string; the `Type`/`Unit` some clients add are ignored) →
    /// `{"success": true}` with the command, sent now or when the thing connects.
    func sendCommand(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let fields = try await RequestFields.read(request, context: context)
        let command = try await commands.send(
            to: try CayenneThingWire.uuid(context, what: "thing"), channel: try Self.required(CayenneThingWire.text(fields, "channel"), "channel"),
            value: try Self.required(CayenneThingWire.text(fields, "value"), "value"),
            accountId: try CayenneThingWire.accountId(request, fields), by: context.principal)
        guard case .object(var object) = Self.wire(command) else { return CayenneResponse.json(Self.wire(command)) }
        object["success"] = .bool(true)
        return CayenneResponse.json(.object(object))
    }

    func listCommands(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let list = try await commands.list(
            try CayenneThingWire.uuid(context, what: "thing"), accountId: try CayenneThingWire.accountId(request), by: context.principal)
        return CayenneResponse.json(.array(list.map(Self.wire)))
    }

    func getCommand(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        guard let commandId = context.parameters.get("commandId", as: Int.self) else { throw NimbusError.notFound("command") }
        let command = try await commands.get(
            commandId, of: try CayenneThingWire.uuid(context, what: "thing"), accountId: try CayenneThingWire.accountId(request),
            by: context.principal)
        return CayenneResponse.json(Self.wire(command))
    }

    private static func required(_ value: String?, _ field: String) throws -> String {
        guard let value else { throw NimbusError.invalidInput(field: field, reason: "required") }
        return value
    }

    /// A command and its outcome: `status` is `pending`, `ok`, `error` (with the device's `message`) or `timed_out`.
    static func wire(_ command: ThingCommand) -> JSONValue {
        .object([
            "id": .number(Double(command.id)), "channel": JSONValue.channel(command.channel), "value": .string(command.value),
            "seq": .string(command.seq), "status": .string(command.status(at: Date()).rawValue),
            "message": command.message.map(JSONValue.string) ?? .null, "created_at": CayenneWire.time(command.creationTime),
            "delivered_at": CayenneWire.time(command.deliveryTime), "answered_at": CayenneWire.time(command.answerTime),
            "expires_at": CayenneWire.time(command.expirationTime),
        ])
    }

    /// A bare array (not an envelope), each top-level thing with its `children`.
    func list(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let things = try await things.list(accountId: try CayenneThingWire.accountId(request), by: context.principal)
        return CayenneResponse.json(.array(things.map(CayenneThingWire.thing)))
    }

    func create(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let fields = try await RequestFields.read(request, context: context)
        let thing = try await things.create(
            try Self.changes(fields), accountId: try CayenneThingWire.accountId(request, fields), by: context.principal)
        return CayenneResponse.json(CayenneThingWire.thing(thing), status: .created)
    }

    func get(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let thing = try await things.get(
            try CayenneThingWire.uuid(context, what: "thing"), accountId: try CayenneThingWire.accountId(request), by: context.principal)
        return CayenneResponse.json(CayenneThingWire.thing(thing))
    }

    /// A partial update: only the fields sent change.
    func update(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let fields = try await RequestFields.read(request, context: context)
        let thing = try await things.update(
            try CayenneThingWire.uuid(context, what: "thing"), try Self.changes(fields),
            accountId: try CayenneThingWire.accountId(request, fields), by: context.principal)
        return CayenneResponse.json(CayenneThingWire.thing(thing))
    }

    /// The seed's soft delete: the thing answers with `status: DEACTIVATED` (the sample app parses the body).
    func delete(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let thing = try await things.delete(
            try CayenneThingWire.uuid(context, what: "thing"), accountId: try CayenneThingWire.accountId(request), by: context.principal)
        return CayenneResponse.json(CayenneThingWire.thing(thing))
    }

    /// The fields of a create or update. `status` (`ACTIVATED`/`DEACTIVATED`, or the seed's `Active`/`Deactivated`)
    /// wins over `active` (0/1, as a number, a string or a boolean).
    static func changes(_ fields: RequestFields) throws -> ThingUseCases.Changes {
        ThingUseCases.Changes(
            name: try fields.string("name"), typeId: try CayenneThingWire.uuid(fields, "device_type_id"),
            parentId: try CayenneThingWire.uuid(fields, "parent_id"), hardwareId: try fields.string("hardware_id"),
            properties: try fields.object("properties"), status: try status(fields))
    }

    private static func status(_ fields: RequestFields) throws -> Device.Status? {
        if let raw = try fields.string("status") {
            switch raw.uppercased() {
            case "ACTIVATED", "ACTIVE": return .activated
            case "DEACTIVATED", "BLOCKED": return .deactivated
            default: throw NimbusError.invalidInput(field: "status", reason: "must be ACTIVATED or DEACTIVATED")
            }
        }
        let active: JSONValue? = if case .string(let text)? = fields["active"] { .string(text.lowercased()) } else { fields["active"] }
        switch active {
        case nil: return nil
        case .bool(let active)?: return active ? .activated : .deactivated
        case .number(1)?, .string("1")?, .string("true")?: return .activated
        case .number(0)?, .string("0")?, .string("false")?: return .deactivated
        default: throw NimbusError.invalidInput(field: "active", reason: "must be 0 or 1")
        }
    }
}

import Foundation
import Hummingbird
import NimbusCore
import NimbusHTTP

/// The platform API's JSON objects: things, thing types and channels, as the seed's models and the real
/// clients (`cayenne-clients.md` §3) spell them.
enum CayenneThingWire {
    /// A thing: the seed's fields plus those of the pair response; `children` on every top-level thing (the sample
    /// app and an Android client read it unconditionally), each child echoing `properties.channel`.
    static func thing(_ device: Device, parentUUID: UUID?, children: [Device]?) -> JSONValue {
        var properties = device.properties
        if let channel = device.channel { properties["channel"] = properties["channel"] ?? JSONValue.channel(channel) }
        var object: [String: JSONValue] = [
            "id": .string(device.uuid.lowercaseString), "name": .string(device.name), "device_type_id": .string(device.deviceClass),
            "parent_id": parentUUID.map { .string($0.lowercaseString) } ?? .null,
            "hardware_id": device.hardwareId.map(JSONValue.string) ?? .null, "properties": .object(properties),
            "active": .number(device.status == .activated ? 1 : 0), "status": .string(device.status.rawValue),
            "last_online": CayenneWire.time(device.lastOnline), "online": .bool(device.isConnected),
            "created_at": CayenneWire.time(device.creationTime),
            "updated_at": CayenneWire.time(device.updateTime ?? device.creationTime),
            "deactivated_at": CayenneWire.time(device.deactivationTime), "account_id": device.homeId.map { .number(Double($0)) } ?? .null,
        ]
        if let children { object["children"] = .array(children.map { thing($0, parentUUID: device.uuid, children: nil) }) }
        return .object(object)
    }

    static func thing(_ thing: ThingUseCases.Thing) -> JSONValue {
        self.thing(thing.device, parentUUID: thing.parentUUID, children: thing.parentUUID == nil ? thing.children : nil)
    }

    static func type(_ type: ThingType, channels: [ThingTypeChannel]? = nil) -> JSONValue {
        let text = { (value: String?) in value.map(JSONValue.string) ?? .null }
        var object: [String: JSONValue] = [
            "id": .string(type.id.lowercaseString), "name": .string(type.name), "description": .string(type.description),
            "category": .string(type.category), "subcategory": text(type.subcategory), "transport_protocol": .string(type.transportProtocol),
            "protocol_version": text(type.protocolVersion), "model": text(type.model), "version": text(type.version),
            "manufacturer": text(type.manufacturer), "codec": text(type.codec), "data_type": text(type.dataType),
            "parent_constraint": .string(type.parentConstraint.rawValue), "child_constraint": .string(type.childConstraint.rawValue),
            "properties": .object(type.properties), "account_id": type.homeId.map { .number(Double($0)) } ?? .null,
            "created_at": CayenneWire.time(type.creationTime), "updated_at": CayenneWire.time(type.updateTime),
        ]
        if let channels { object["channels"] = .array(channels.map(channel)) }
        return .object(object)
    }

    static func channel(_ channel: ThingTypeChannel) -> JSONValue {
        .object([
            "id": .number(Double(channel.id)), "device_type_id": .string(channel.typeId.lowercaseString),
            "channel": JSONValue.channel(channel.channel), "name": .string(channel.name),
            "datatype": channel.dataType.map(JSONValue.string) ?? .null, "ipso": channel.ipso.map(JSONValue.string) ?? .null,
        ])
    }

    /// A UUID path parameter; anything else names no object ("not found", as an unknown id would).
    static func uuid(_ context: NimbusRequestContext, _ name: String = "id", what: String) throws -> UUID {
        guard let raw = context.parameters.get(name), let id = UUID(uuidString: raw) else { throw NimbusError.notFound(what) }
        return id
    }

    /// A UUID field of the body.
    static func uuid(_ fields: RequestFields, _ key: String) throws -> UUID? {
        guard let raw = try fields.string(key) else { return nil }
        guard let id = UUID(uuidString: raw) else { throw NimbusError.invalidInput(field: key, reason: "must be a UUID") }
        return id
    }

    /// A text field that clients send as a string or a number (`channel`, `active`).
    static func text(_ fields: RequestFields, _ key: String) throws -> String? {
        switch fields[key] {
        case nil: return nil
        case .string(let text)?: return text
        case .number(let number)?: return JSONValue.exactInteger(number).map(String.init) ?? String(number)
        default: throw NimbusError.invalidInput(field: key, reason: "must be a string or a number")
        }
    }

    /// The caller's account: `account_id` of the body, else of the query (the other tenant parameters clients
    /// add, `user_id` and `application_id`, are accepted and ignored).
    static func accountId(_ request: Request, _ fields: RequestFields? = nil) throws -> Int? {
        try fields?.int("account_id") ?? CayenneAccountUsersController.accountId(request)
    }
}

import Foundation
import Hummingbird
import NimbusCore
import NimbusHTTP

/// `/v1.1/things/registry` and `/v1.1/things/pair` (`cayenne-clients.md` §3, P17–P21): provisioning hardware ids
/// before devices ship, and pairing one into the caller's account.
struct CayenneRegistryController {
    let registry: RegistryUseCases

    func addRoutes(to group: RouterGroup<NimbusRequestContext>) {
        group.post("things/registry", use: provisionOne)
        group.post("things/registry/batch", use: provisionBatch)
        group.post("things/registry/csv", use: provisionCSV)
        group.get("things/registry/eui/:hardwareId", use: find)
        group.get("things/registry/:id", use: get)
        group.delete("things/registry/:id", use: delete)
        group.post("things/pair", use: pair)
    }

    /// `{codec, hardware_id, device_type_id, application_id, response_csv}` → the entry.
    func provisionOne(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let fields = try await RequestFields.read(request, context: context)
        let entry = RegistryUseCases.NewEntry(
            hardwareId: try fields.requiredString("hardware_id"), typeId: try CayenneThingWire.uuid(fields, "device_type_id"),
            codec: try fields.string("codec"))
        let made = try await registry.provision(
            [entry], applicationId: try fields.string("application_id"), accountId: try CayenneThingWire.accountId(request, fields),
            by: context.principal)
        return try Self.answer(made, csv: try fields.bool("response_csv") ?? false, single: true)
    }

    /// One type: `hardware_ids` (at most 500), or `count` generated ones (when both, their lengths must match).
    func provisionBatch(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let fields = try await RequestFields.read(request, context: context)
        let typeId = try CayenneThingWire.uuid(fields, "device_type_id"), codec = try fields.string("codec")
        let count = try fields.int("count")
        var hardwareIds: [String?]
        switch fields.anyValue("hardware_ids") {
        case nil:
            guard let count, count >= 1 else { throw NimbusError.invalidInput(field: "count", reason: "hardware_ids or a count of 1 to 500") }
            guard count <= RegistryUseCases.maximumBatch else {
                throw NimbusError.invalidInput(field: "count", reason: "at most \(RegistryUseCases.maximumBatch) entries at a time")
            }
            hardwareIds = Array(repeating: nil, count: count)
        case .array(let items)?:
            hardwareIds = try items.enumerated().map { index, item in
                guard case .string(let id) = item else { throw NimbusError.invalidInput(field: "hardware_ids[\(index)]", reason: "must be a string") }
                return id
            }
            if let count, count != hardwareIds.count {
                throw NimbusError.invalidInput(field: "count", reason: "must match the number of hardware_ids")
            }
        default:
            throw NimbusError.invalidInput(field: "hardware_ids", reason: "must be an array of strings")
        }
        let made = try await registry.provision(
            hardwareIds.map { RegistryUseCases.NewEntry(hardwareId: $0, typeId: typeId, codec: codec) },
            applicationId: try fields.string("application_id"), accountId: try CayenneThingWire.accountId(request, fields),
            by: context.principal)
        return try Self.answer(made, csv: try fields.bool("response_csv") ?? false, single: false)
    }

    /// Several types: a multipart upload whose field `file` is a CSV of `hardware_id, device_type_id, codec` (a
    /// header row naming them is skipped), with the form field `response_csv`.
    func provisionCSV(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let fields = try await RequestFields.read(request, context: context)
        guard let file = try fields.string("file"), !file.isEmpty else { throw NimbusError.invalidInput(field: "file", reason: "required") }
        let entries = try Self.entries(csv: file)
        let made = try await registry.provision(
            entries, applicationId: try fields.string("application_id"), accountId: try CayenneThingWire.accountId(request, fields),
            by: context.principal)
        return try Self.answer(made, csv: try fields.bool("response_csv") ?? false, single: false)
    }

    func get(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        guard let raw = context.parameters.get("id"), let id = UUID(uuidString: raw) else { throw NimbusError.notFound("registry entry") }
        let entry = try await registry.get(id, accountId: try CayenneThingWire.accountId(request), by: context.principal)
        return CayenneResponse.json(Self.wire(entry))
    }

    func find(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let entry = try await registry.find(
            hardwareId: context.parameters.get("hardwareId") ?? "", accountId: try CayenneThingWire.accountId(request), by: context.principal)
        return CayenneResponse.json(Self.wire(entry))
    }

    func delete(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        guard let raw = context.parameters.get("id"), let id = UUID(uuidString: raw) else { throw NimbusError.notFound("registry entry") }
        try await registry.delete(id, accountId: try CayenneThingWire.accountId(request), by: context.principal)
        return CayenneResponse.json(["success": .bool(true)])
    }

    /// `{hardware_id, name}` (JSON, or the seed's form variables) → the new thing, as the pair response reads.
    func pair(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let fields = try await RequestFields.read(request, context: context)
        let (thing, entry) = try await registry.pair(
            hardwareId: try fields.requiredString("hardware_id"), name: try fields.string("name"), network: try fields.string("network"),
            accountId: try CayenneThingWire.accountId(request, fields), by: context.principal)
        guard case .object(var object) = CayenneThingWire.thing(thing) else { return CayenneResponse.json(CayenneThingWire.thing(thing)) }
        object["device_registry_id"] = .string(entry.id.lowercaseString)
        return CayenneResponse.json(.object(object))
    }

    // MARK: - Wire

    static func wire(_ entry: RegistryEntry) -> JSONValue {
        .object([
            "id": .string(entry.id.lowercaseString), "hardware_id": .string(entry.hardwareId), "device_type_id": .string(entry.typeId.lowercaseString),
            "codec": entry.codec.map(JSONValue.string) ?? .null, "application_id": entry.applicationId.map(JSONValue.string) ?? .null,
            "status": .string(entry.status.rawValue), "created_at": CayenneWire.time(entry.creationTime),
        ])
    }

    static let csvColumns = ["id", "hardware_id", "device_type_id", "codec", "application_id", "status", "created_at"]

    /// JSON (one object, or an array), or CSV with a header row when `response_csv` is true.
    static func answer(_ entries: [RegistryEntry], csv: Bool, single: Bool) throws -> Response {
        guard csv else { return CayenneResponse.json(single ? wire(entries[0]) : .array(entries.map(wire)), status: .created) }
        var lines = [csvColumns.joined(separator: ",")]
        for entry in entries {
            let time: String = if case .string(let text) = CayenneWire.time(entry.creationTime) { text } else { "" }
            lines.append([entry.id.lowercaseString, entry.hardwareId, entry.typeId.lowercaseString, entry.codec ?? "", entry.applicationId ?? "",
                          entry.status.rawValue, time].map(csvField).joined(separator: ","))
        }
        var headers = HTTPFields()
        headers[.contentType] = "text/csv; charset=utf-8"
        headers[.cacheControl] = "no-store"
        return Response(status: .created, headers: headers, body: .init(byteBuffer: ByteBuffer(string: lines.joined(separator: "\r\n") + "\r\n")))
    }

    /// RFC 4180: a field with a comma, quote or line break is quoted, its quotes doubled.
    static func csvField(_ value: String) -> String {
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// The rows of an uploaded CSV: `hardware_id, device_type_id, codec` (the last two may be empty). Quoted fields
    /// are read; a first row naming the columns is skipped.
    static func entries(csv: String) throws -> [RegistryUseCases.NewEntry] {
        var entries: [RegistryUseCases.NewEntry] = []
        for (index, line) in csv.split(whereSeparator: \.isNewline).enumerated() {
            guard let row = parseRow(String(line)) else {
                throw NimbusError.invalidInput(field: "file", reason: "row \(index + 1): a quoted field must end with a quote before the next comma or the line's end")
            }
            if index == 0, row.first?.lowercased() == "hardware_id" { continue }
            guard let hardwareId = row.first, !hardwareId.isEmpty else {
                throw NimbusError.invalidInput(field: "file", reason: "row \(index + 1) has no hardware_id")
            }
            var typeId: UUID?
            if row.count > 1, !row[1].isEmpty {
                guard let id = UUID(uuidString: row[1]) else {
                    throw NimbusError.invalidInput(field: "file", reason: "row \(index + 1): device_type_id must be a UUID")
                }
                typeId = id
            }
            entries.append(RegistryUseCases.NewEntry(hardwareId: hardwareId, typeId: typeId, codec: row.count > 2 && !row[2].isEmpty ? row[2] : nil))
            guard entries.count <= RegistryUseCases.maximumBatch else {
                throw NimbusError.invalidInput(field: "file", reason: "at most \(RegistryUseCases.maximumBatch) rows at a time")
            }
        }
        guard !entries.isEmpty else { throw NimbusError.invalidInput(field: "file", reason: "no rows") }
        return entries
    }

    /// One CSV line (RFC 4180 quoting; a quoted field does not span lines here); `nil` when a quoted field is not
    /// closed, or is followed by more than spaces before the next comma.
    static func parseRow(_ line: String) -> [String]? {
        let characters = Array(line)
        var fields: [String] = [], field = "", quoted = false, closed = false, index = 0
        while index < characters.count {
            let character = characters[index]
            if quoted {
                if character == "\"" {
                    if index + 1 < characters.count, characters[index + 1] == "\"" {
                        field.append("\"")
                        index += 1
                    } else {
                        quoted = false
                        closed = true
                    }
                } else {
                    field.append(character)
                }
            } else if closed && character != "," {
                guard character == " " || character == "\t" else { return nil }
            } else if character == "\"", field.trimmingCharacters(in: .whitespaces).isEmpty {
                field = ""
                quoted = true
            } else if character == "," {
                fields.append(closed ? field : field.trimmingCharacters(in: .whitespaces))
                field = ""
                closed = false
            } else {
                field.append(character)
            }
            index += 1
        }
        guard !quoted else { return nil }
        fields.append(closed ? field : field.trimmingCharacters(in: .whitespaces))
        return fields
    }
}

import Foundation
import Hummingbird
import NimbusCore
import NimbusHTTP
import NimbusMQTT

/// What things send over HTTP, signed with their account's MQTT credentials (`Authorization: Basic`):
/// - `POST /cayenne/things/{clientID}/data`: HTTP push, the JSON array of `data/json` (`cayenne-clients.md` §7);
/// - `POST /cayenne/lora/ttn/uplink`: The Things Stack v3's uplink webhook, its `frm_payload` decoded by the thing's
///   codec (Cayenne LPP), matched to the account's thing whose `hardware_id` is the uplink's DevEUI.
/// Each is answered once its readings are stored: `{"success": true, "readings": n}`.
struct CayennePushController {
    let clients: MQTTClientUseCases
    let readings: ReadingUseCases
    let types: ThingTypeUseCases
    let clock: any WallClock

    func addRoutes(to group: RouterGroup<NimbusRequestContext>) {
        group.post("things/:id/data", use: push)
        group.post("lora/ttn/uplink", use: uplink)
    }

    func push(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let credentials = try CayenneBasicCredentials(request)
        let (thing, principal) = try await authenticate(credentials, .id(context.parameters.get("id") ?? ""))
        let body = try await Self.json(request, context: context)
        guard case .array(let items) = body else { throw NimbusError.invalidInput(field: "body", reason: "must be a JSON array of readings") }
        let now = clock.now()
        let readings = try items.enumerated().map { index, item in
            do {
                return try CayenneMQTTPublication.jsonReading(item, at: now, field: "[\(index)]")
            } catch let refusal as MQTTPublishRefusal {
                throw NimbusError.invalidInput(field: "body", reason: refusal.reason)
            }
        }
        try await self.readings.fromThing(thing.id, readings: readings, by: principal)
        return CayenneResponse.json(["success": .bool(true), "readings": .number(Double(readings.count))])
    }

    func uplink(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let credentials = try CayenneBasicCredentials(request)
        let body = try await Self.json(request, context: context)
        let uplink = try TheThingsStackUplink(body)
        let (thing, principal) = try await authenticate(credentials, .hardwareId(uplink.devEUI))
        guard let frame = uplink.payload else {
            // An uplink without application data (a MAC-only frame on port 0): nothing to store.
            return CayenneResponse.json(["success": .bool(true), "readings": .number(0)])
        }
        let codec = try await types.codec(of: thing) ?? "lpp"
        guard codec.lowercased() == "lpp" else {
            throw NimbusError.invalidInput(field: "codec", reason: "this thing's codec \(codec) is not supported; use lpp")
        }
        let readings = try CayenneLPP.readings(in: frame, at: uplink.receivedAt ?? clock.now())
        try await self.readings.fromThing(thing.id, readings: readings, by: principal)
        return CayenneResponse.json(["success": .bool(true), "readings": .number(Double(readings.count))])
    }

    private func authenticate(_ credentials: CayenneBasicCredentials, _ name: MQTTClientUseCases.ThingName) async throws -> (Device, Principal) {
        do {
            return try await clients.authenticate(username: credentials.username, password: credentials.password, thing: name)
        } catch MQTTClientUseCases.Refusal.badCredentials {
            throw CayenneError(.unauthorized, "invalid_client", "the MQTT user name or password is wrong", challenge: #"Basic realm="cayenne""#)
        } catch MQTTClientUseCases.Refusal.unknownThing {
            throw NimbusError.notFound("thing")
        }
    }

    private static func json(_ request: Request, context: NimbusRequestContext) async throws -> JSONValue {
        let buffer = try await request.body.collect(upTo: context.maxUploadSize)
        guard let value = JSONValue(jsonText: String(buffer: buffer)) else { throw NimbusError.invalidInput(field: "body", reason: "must be JSON") }
        return value
    }
}

/// `Authorization: Basic base64(user:password)`, or the `Basic user:password` the docs printed un-encoded.
struct CayenneBasicCredentials {
    let username: String
    let password: String

    init(_ request: Request) throws {
        let basic: HTTPBasicCredentials?
        do {
            basic = try HTTPBasicCredentials.parse(request.headers[.authorization], allowPlain: true)
        } catch {
            throw CayenneError(.unauthorized, "invalid_client", "Authorization: Basic needs user:password", challenge: #"Basic realm="cayenne""#)
        }
        guard let basic else {
            throw CayenneError(.unauthorized, "invalid_client", "Authorization: Basic with the MQTT user name and password is required",
                               challenge: #"Basic realm="cayenne""#)
        }
        username = basic.user
        password = basic.password
    }
}

/// The fields of a The Things Stack v3 uplink message that Nimbus reads.
struct TheThingsStackUplink {
    let devEUI: String
    /// `uplink_message.frm_payload`, base64-decoded; `nil` when the uplink carries none.
    let payload: [UInt8]?
    let receivedAt: Date?

    init(_ body: JSONValue) throws {
        guard case .object(let message) = body, case .object(let ids)? = message["end_device_ids"],
              case .string(let devEUI)? = ids["dev_eui"], !devEUI.isEmpty
        else { throw NimbusError.invalidInput(field: "end_device_ids.dev_eui", reason: "required") }
        guard case .object(let uplink)? = message["uplink_message"] else {
            throw NimbusError.invalidInput(field: "uplink_message", reason: "required (enable only uplink messages on the webhook)")
        }
        self.devEUI = devEUI
        switch uplink["frm_payload"] {
        case nil, .null?: payload = nil
        case .string(let text)?:
            guard let data = Data(base64Encoded: text) else {
                throw NimbusError.invalidInput(field: "uplink_message.frm_payload", reason: "must be base64")
            }
            payload = [UInt8](data)
        default: throw NimbusError.invalidInput(field: "uplink_message.frm_payload", reason: "must be base64")
        }
        let time: String? = if case .string(let text)? = uplink["received_at"] { text } else if case .string(let text)? = message["received_at"] { text } else { nil }
        receivedAt = time.flatMap(Self.date)
    }

    /// RFC 3339 with up to nanoseconds (The Things Stack writes nine digits): read to the millisecond.
    static func date(_ text: String) -> Date? {
        var trimmed = text
        if let dot = text.firstIndex(of: "."), let end = text[dot...].firstIndex(where: { !$0.isNumber && $0 != "." }) {
            let fraction = text[text.index(after: dot)..<end].prefix(3)
            trimmed = String(text[..<dot]) + "." + fraction.padding(toLength: 3, withPad: "0", startingAt: 0) + String(text[end...])
        }
        return Timestamp.parse(trimmed)
    }
}

import Foundation
import Hummingbird
import NimbusCore
import NimbusHTTP

/// `/v1.1/clients`: the account's MQTT credentials (`cayenne-clients.md` §3, P1–P2). `POST` answers the same
/// credentials on every call (the seed: "use the same request to also retrieve"); `POST clients/rotate` gives a
/// new secret (owners only) and closes the connections made with the old one.
struct CayenneClientsController {
    let clients: MQTTClientUseCases

    func addRoutes(to group: RouterGroup<NimbusRequestContext>) {
        group.post("clients", use: issue)
        group.get("clients", use: get)
        group.post("clients/rotate", use: rotate)
    }

    func issue(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let fields = try await RequestFields.read(request, context: context)
        let issued = try await clients.issue(accountId: try CayenneThingWire.accountId(request, fields), by: context.principal)
        return CayenneResponse.json(Self.wire(issued))
    }

    func get(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let issued = try await clients.get(accountId: try CayenneThingWire.accountId(request), by: context.principal)
        return CayenneResponse.json(Self.wire(issued))
    }

    func rotate(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let fields = try await RequestFields.read(request, context: context)
        let issued = try await clients.rotate(accountId: try CayenneThingWire.accountId(request, fields), by: context.principal)
        return CayenneResponse.json(Self.wire(issued))
    }

    /// `id` is the MQTT user name, `clear_secret` the password (the names the seed and the sample app use).
    static func wire(_ issued: IssuedMQTTClient) -> JSONValue {
        .object([
            "id": .string(issued.client.id.lowercaseString), "clear_secret": .string(issued.secret),
            "account_id": .number(Double(issued.client.homeId)), "created_at": CayenneWire.time(issued.client.creationTime),
            "updated_at": CayenneWire.time(issued.client.rotationTime ?? issued.client.creationTime),
        ])
    }
}

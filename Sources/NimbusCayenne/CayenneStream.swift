import Foundation
import HTTPTypes
import Hummingbird
import NimbusCore
import NimbusHTTP

/// The account's live stream (`cayenne-clients.md` §6, §11): a WebSocket at `/cayenne/stream/`, and at `/stream/`
/// where socket.io-client 2.x with `path: '/stream'` always goes. The access token comes as `?token=` (the sample
/// app, socket.io's `query`), a `token` field (socket.io's `extraHeaders`) or `Authorization: Bearer`. Each reading
/// of the account's things becomes a `data-changed` event and each command's change of status a `command-status`
/// one (`CayenneStreamFrames`). Needs `devices: view`; a revoked sign-in closes it, and so does a client too slow
/// for its bounded queue (`--live-subscriber-queue`), so it never holds ingest back.
struct CayenneStream {
    let nimbus: Nimbus
    let dataTypes: CayenneDataTypes
    static let paths: [RouterPath] = ["cayenne/stream", "stream"]

    func addRoutes(to webSocketRouter: Router<NimbusRequestContext>) {
        let sockets = authenticated(webSocketRouter)
        for path in Self.paths {
            sockets.webSocket(path, admit: admit) { inbound, outbound, session in
                let request = session.request
                let principal = session.requestContext.principal
                let (subscription, accountId) = try await nimbus.live.accountStream(
                    accountId: try CayenneThingWire.accountId(request), of: principal)
                let names = CayenneStreamThingNames(live: nimbus.live, accountId: accountId, principal: principal)
                try await LiveWebSocket.pump(
                    subscription, inbound: inbound, outbound: outbound, logger: session.logger,
                    greeting: CayenneStreamFrames.greeting(sessionId: UUID().uuidString), answer: CayenneStreamFrames.answer
                ) { message in
                    try await frames(of: message, names: names)
                }
            }
        }
    }

    /// Plain HTTP on the stream's paths gets the same credential checks as an upgrade, then `400`: a client learns
    /// first what is wrong with its token.
    func addRefusals(to router: Router<NimbusRequestContext>) {
        let group = authenticated(router)
        for path in Self.paths {
            group.get(path) { request, context -> Response in
                _ = try await admit(request, context)
                throw NimbusError.invalidInput(field: "Upgrade", reason: "a WebSocket upgrade is required")
            }
        }
    }

    /// The stream's routes: errors in Cayenne's format (also at `/stream`, outside the dialect's prefix), the caller
    /// found from its token.
    private func authenticated(_ router: Router<NimbusRequestContext>) -> RouterGroup<NimbusRequestContext> {
        router.group()
            .add(middleware: DialectErrorMiddleware(pathPrefix: "/stream", format: CayenneErrorFormat()))
            .add(middleware: CayenneStreamAuthenticator(authenticator: nimbus.authenticator))
    }

    @Sendable func admit(_ request: Request, _ context: NimbusRequestContext) async throws -> HTTPFields {
        try await nimbus.live.mayWatchAccount(try CayenneThingWire.accountId(request), context.principal)
        return [:]
    }

    private func frames(of message: BusMessage, names: CayenneStreamThingNames) async throws -> [String] {
        switch message {
        case .readings(let readings):
            let sensors = try await names.names(of: Set(readings.map(\.sensorId)))
            return readings.compactMap { reading in
                sensors[reading.sensorId].map { CayenneStreamFrames.event("data-changed", dataChanged(reading, sensor: $0)) }
            }
        case .commandStatus(let command):
            guard let thing = try await names.names(of: [command.thingId])[command.thingId],
                  case .object(var payload) = CayenneThingsController.wire(command)
            else { return [] }
            payload["thingId"] = .string(thing.uuid.lowercaseString)
            return [CayenneStreamFrames.event("command-status", .object(payload))]
        default:
            return []
        }
    }

    /// `{thingId, channel, value: {value, label}}` as the sample app reads it (`thingId` the device's id, `channel` its
    /// child's channel), with `sensorId`, `type`, `unit` and `timestamp` besides.
    private func dataChanged(_ reading: Reading, sensor: LiveUseCases.ThingName) -> JSONValue {
        .object([
            "thingId": .string((sensor.parentUUID ?? sensor.uuid).lowercaseString), "sensorId": .string(sensor.uuid.lowercaseString),
            "channel": JSONValue.channel(reading.channel),
            "value": .object(["value": CayenneWire.value(reading.value, multiple: true), "label": .string(dataTypes.unitLabel(type: reading.type, unit: reading.unit))]),
            "type": reading.type.map(JSONValue.string) ?? .null, "unit": reading.unit.map(JSONValue.string) ?? .null,
            "timestamp": CayenneWire.time(reading.timestamp),
        ])
    }
}

/// Finds the caller of the stream from its token, wherever the clients put it (see `CayenneStream`).
struct CayenneStreamAuthenticator: RouterMiddleware {
    typealias Context = NimbusRequestContext
    let authenticator: Authenticator

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        if let token = Self.token(in: request) {
            context.principal = try await authenticator.authenticate(token: token)
        }
        return try await next(request, context)
    }

    static func token(in request: Request) -> String? {
        if let token = request.uri.queryParameters.get("token"), !token.isEmpty { return token }
        if let name = HTTPField.Name("token"), let token = request.headers[name], !token.isEmpty { return token }
        if let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer ") {
            return String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)
        }
        return nil
    }
}

/// The account's things by internal id, as the stream names them: each read once, when a reading or a command
/// first names it.
actor CayenneStreamThingNames {
    private let live: LiveUseCases
    private let accountId: Int
    private let principal: Principal
    private var names: [Int: LiveUseCases.ThingName] = [:]

    init(live: LiveUseCases, accountId: Int, principal: Principal) {
        self.live = live
        self.accountId = accountId
        self.principal = principal
    }

    /// The names of these things (those of the account), reading the ones not known yet in one query.
    func names(of ids: Set<Int>) async throws -> [Int: LiveUseCases.ThingName] {
        let missing = ids.filter { names[$0] == nil }
        if !missing.isEmpty {
            names.merge(try await live.thingNames(missing, accountId: accountId, of: principal)) { _, new in new }
        }
        return names.filter { ids.contains($0.key) }
    }
}

import Foundation
import Hummingbird
import NimbusCore
import NimbusHTTP

/// The sensor integration and its sensors (`/sensors/…`): enabling the integration gives the network an external
/// account (its MQTT credential) for the sensor hub; the hub and the sensors it pairs are core things of the network
/// (`ThingUseCases+Gateway`), listed as `SensorDevice`s. The network is `network_id` when given, else the caller's
/// first. Owners enable, change and delete; members read.
struct WiFiMotionSensorsController: Sendable {
    let nimbus: Nimbus
    let hubs: WiFiMotionHubLinks
    /// The host of the external account's email (`<userThingName>@<host>`).
    let host: String

    func addRoutes(to api: RouterGroup<NimbusRequestContext>) {
        api.post("sensors/integrations", use: enable)
        api.get("sensors/integrations", use: get)
        api.patch("sensors/integrations", use: update)
        api.delete("sensors/integrations", use: delete)
        api.get("sensors/devices", use: devices)
        api.get("sensors/devices/:thingName", use: device)
        api.patch("sensors/devices/:thingName", use: updateDevice)
        api.delete("sensors/devices/:thingName", use: deleteDevice)
        api.post("sensors/pair/:thingName", use: pair)
        api.get("sensors/history", use: detections)
    }

    /// Makes the integration (or, for one that exists, changes it as `PATCH` does). With `integrations_enable: false`
    /// an existing integration is left as it is, as the vendor documents.
    @Sendable func enable(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let networkId = try await scope.network(request, context)
        try await scope.requireOwner(networkId, context)
        let fields = try await WiFiMotionFields.read(request, context: context)
        guard let enable = try fields.bool("integrations_enable") else { throw WiFiMotionError.invalid("integrations_enable", "required") }
        let phase = try fields.text("oob_phase", maxLength: 64)
        let stored = WiFiMotionIntegration(stored: try await nimbus.homes.setting(WiFiMotionIntegration.key, of: networkId, by: context.principal)?.value)
        if let stored, !enable { return try await answer(stored, networkId: networkId, request: request, context: context, status: .created) }
        guard case .user(let userId, _, _, _) = context.principal else { throw NimbusError.wrongCredentialKind }
        var integration = stored ?? WiFiMotionIntegration(enabled: enable, oobPhase: phase ?? "", userId: userId, at: nimbus.environment.clock.now())
        integration.enabled = enable
        if let phase { integration.oobPhase = phase }
        integration = try await save(integration, networkId: networkId, principal: context.principal)
        return try await answer(integration, networkId: networkId, request: request, context: context, status: .created)
    }

    @Sendable func get(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let networkId = try await scope.network(request, context)
        return try await answer(try await integration(networkId, context), networkId: networkId, request: request, context: context)
    }

    @Sendable func update(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let networkId = try await scope.network(request, context)
        let fields = try await WiFiMotionFields.read(request, context: context)
        var integration = try await integration(networkId, context)
        if let enable = try fields.bool("integrations_enable") { integration.enabled = enable }
        if let phase = try fields.text("oob_phase", maxLength: 64) { integration.oobPhase = phase }
        integration = try await save(integration, networkId: networkId, principal: context.principal)
        return try await answer(integration, networkId: networkId, request: request, context: context)
    }

    /// Deletes the integration, the hub and its sensors with their history, and gives the network a new MQTT secret,
    /// so that the old external account stops working.
    @Sendable func delete(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let networkId = try await scope.network(request, context)
        _ = try await integration(networkId, context)
        for thing in try await nimbus.things.reported(in: networkId, by: context.principal) where thing.parentId == nil {
            try await nimbus.things.purge(thing.id, by: context.principal)
        }
        _ = try await nimbus.mqttClients.rotate(accountId: networkId, by: context.principal)
        try await nimbus.homes.setSetting(WiFiMotionIntegration.key, of: networkId, to: .null, by: context.principal)
        return Response(status: .noContent)
    }

    @Sendable func devices(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let networkId = try await scope.network(request, context)
        let things = try await nimbus.things.reported(in: networkId, by: context.principal)
            .filter { $0.hardwareId != nil && $0.hardwareId != WiFiMotionAgentAPI.agentName }
        let userThingName = try await self.userThingName(networkId, context)
        return JSONValue.object(["devices": .array(things.map { WiFiMotionSensorWire.device($0, networkId: networkId, userThingName: userThingName) })]).response()
    }

    @Sendable func device(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let (thing, networkId) = try await sensor(request, context)
        return WiFiMotionSensorWire.device(thing, networkId: networkId, userThingName: try await userThingName(networkId, context)).response()
    }

    /// Sets what the app may set on a sensor: `notify`, `purpose`, its friendly name and thresholds.
    @Sendable func updateDevice(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let (thing, networkId) = try await sensor(request, context)
        let fields = try await WiFiMotionFields.read(request, context: context)
        let changes = try WiFiMotionSensorWire.settings(from: fields)
        let updated = try await nimbus.things.setProperties(changes, of: thing.id, by: context.principal)
        return WiFiMotionSensorWire.device(updated, networkId: networkId, userThingName: try await userThingName(networkId, context)).response()
    }

    /// Deletes a sensor with its history; a hub takes its sensors with it.
    @Sendable func deleteDevice(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let (thing, _) = try await sensor(request, context)
        try await nimbus.things.purge(thing.id, by: context.principal)
        return Response(status: .noContent)
    }

    /// Puts a hub into pairing mode for `timeout` seconds (1 to 600, default 60): a command on its `cmd/pair` topic.
    /// A hub that is not connected answers `409`.
    @Sendable func pair(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let (hub, networkId) = try await sensor(request, context)
        try await scope.requireOwner(networkId, context)
        guard hub.parentId == nil else { throw WiFiMotionError.invalid("thingName", "not a hub") }
        let fields = try await WiFiMotionFields.read(request, context: context)
        let timeout = try fields.int("timeout") ?? 60
        guard (1...600).contains(timeout) else { throw WiFiMotionError.invalid("timeout", "from 1 to 600 seconds") }
        guard let userThingName = try await userThingName(networkId, context) else { throw NimbusError.notFound("integration") }
        guard await hubs.pair(hub, userThingName: userThingName, timeout: timeout) else { throw NimbusError.deviceOffline }
        return JSONValue.object(["thingName": .string(hub.hardwareId ?? ""), "timeout": .number(Double(timeout))]).response()
    }

    /// What the network's sensors detected from `from` to `to` (epoch seconds; the last day by default), newest
    /// first, at most `last` (1–1,000, default 100): each reading of a sensor, with the sensor's name and type.
    @Sendable func detections(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let networkId = try await scope.network(request, context)
        let now = nimbus.environment.clock.now().timeIntervalSince1970
        let to = try request.wifiMotionSeconds("to") ?? now
        let from = try request.wifiMotionSeconds("from") ?? (to - 86_400)
        guard from <= to else { throw WiFiMotionError.invalid("from", "must not be after to") }
        let last = try request.wifiMotionInteger("last", in: 1...1_000) ?? 100
        var detections: [(ts: Date, json: JSONValue)] = []
        for sensor in try await nimbus.things.reported(in: networkId, by: context.principal) where sensor.parentId != nil && sensor.hardwareId != nil {
            let page = try await nimbus.telemetry.readings(
                of: sensor.uuid, channel: nil, from: Date(timeIntervalSince1970: from), to: Date(timeIntervalSince1970: to), before: nil,
                limit: last, accountId: networkId, by: context.principal)
            for item in page.readings {
                detections.append((item.reading.timestamp, .object([
                    "thingName": .string(sensor.hardwareId ?? ""), "deviceType": sensor.properties["deviceType"] ?? .null,
                    "channel": .string(item.reading.channel), "value": item.reading.value.jsonValue,
                    "ts": .number(item.reading.timestamp.timeIntervalSince1970),
                ])))
            }
        }
        let newest = detections.sorted { $0.ts > $1.ts }.prefix(last).map(\.json)
        return JSONValue.object(["detections": .array(Array(newest))]).response()
    }

    // MARK: - Helpers

    private var scope: WiFiMotionNetworkScope { WiFiMotionNetworkScope(homes: nimbus.homes) }

    private func integration(_ networkId: Int, _ context: NimbusRequestContext) async throws -> WiFiMotionIntegration {
        guard let integration = WiFiMotionIntegration(stored: try await nimbus.homes.setting(WiFiMotionIntegration.key, of: networkId, by: context.principal)?.value) else {
            throw NimbusError.notFound("integration")
        }
        return integration
    }

    /// Saves it (owners only); an enabled integration gets the network's MQTT credential, made on first need; a
    /// disabled one's hubs are disconnected (and refused until it is enabled again).
    private func save(_ integration: WiFiMotionIntegration, networkId: Int, principal: Principal) async throws -> WiFiMotionIntegration {
        var integration = integration
        integration.updated = nimbus.environment.clock.now()
        try await nimbus.homes.setSetting(WiFiMotionIntegration.key, of: networkId, to: integration.stored, by: principal)
        if integration.enabled {
            _ = try await nimbus.mqttClients.issue(accountId: networkId, by: principal)
        } else {
            for hub in try await nimbus.things.reported(in: networkId, by: principal) where hub.parentId == nil {
                try await nimbus.things.disconnect(hub.id, by: principal)
            }
        }
        return integration
    }

    private func answer(
        _ integration: WiFiMotionIntegration, networkId: Int, request: Request, context: NimbusRequestContext, status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let showAccount = try request.wifiMotionFlag("show_account") ?? false
        // The account's password is the owners' to see.
        if showAccount { try await scope.requireOwner(networkId, context) }
        let credentials = try await self.credentials(networkId, context)
        return JSONValue.object(["integrations": integration.json(networkId: networkId, credentials: credentials, showAccount: showAccount, host: host)])
            .response(status)
    }

    /// The network's MQTT credential; `nil` when it has none yet.
    private func credentials(_ networkId: Int, _ context: NimbusRequestContext) async throws -> IssuedMQTTClient? {
        do {
            return try await nimbus.mqttClients.get(accountId: networkId, by: context.principal)
        } catch NimbusError.notFound, NimbusError.permissionDenied {
            // None yet, or a member who may not see it: no account to show.
            return nil
        }
    }

    private func userThingName(_ networkId: Int, _ context: NimbusRequestContext) async throws -> String? {
        try await credentials(networkId, context).map { WiFiMotionIntegration.userThingName(of: $0.client.id) }
    }

    /// The hub or sensor `thingName` of the caller's network (`network_id`, else their first).
    private func sensor(_ request: Request, _ context: NimbusRequestContext) async throws -> (Device, Int) {
        let networkId = try await scope.network(request, context)
        let name = context.parameters.get("thingName") ?? ""
        guard name != WiFiMotionAgentAPI.agentName,
              let thing = try await nimbus.things.reported(in: networkId, by: context.principal).first(where: { $0.hardwareId == name }) else {
            throw NimbusError.notFound("sensor")
        }
        return (thing, networkId)
    }
}

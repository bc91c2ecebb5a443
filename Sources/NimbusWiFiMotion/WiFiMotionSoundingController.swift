import Foundation
import Hummingbird
import NimbusCore
import NimbusHTTP

/// Motion configuration: the network's sounding settings, its Wi-Fi devices ("clients") as the access-point agent
/// reported them with what the app changed, and the topology. Members read; owners change.
struct WiFiMotionSoundingController: Sendable {
    let homes: HomeUseCases
    var scope: WiFiMotionNetworkScope { WiFiMotionNetworkScope(homes: homes) }

    func addRoutes(to api: RouterGroup<NimbusRequestContext>) {
        api.get("sounding/settings", use: settings)
        api.patch("sounding/settings", use: updateSettings)
        api.get("sounding/clients", use: clients)
        api.patch("sounding/clients", use: updateClients)
        api.get("topologies", use: topology)
    }

    @Sendable func settings(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let networkId = try await scope.network(request, context)
        return WiFiMotionSoundingSettings(stored: try await scope.setting(WiFiMotionSoundingSettings.key, of: networkId, context)).stored.response()
    }

    @Sendable func updateSettings(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let networkId = try await scope.network(request, context)
        try await scope.requireOwner(networkId, context)
        var settings = WiFiMotionSoundingSettings(stored: try await scope.setting(WiFiMotionSoundingSettings.key, of: networkId, context))
        try settings.apply(try await WiFiMotionFields.read(request, context: context))
        try await homes.setSetting(WiFiMotionSoundingSettings.key, of: networkId, to: settings.stored, by: context.principal)
        return settings.stored.response()
    }

    @Sendable func clients(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let networkId = try await scope.network(request, context)
        return JSONValue.object(["devices": .array(try await clients(of: networkId, context))]).response()
    }

    @Sendable func updateClients(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let networkId = try await scope.network(request, context)
        try await scope.requireOwner(networkId, context)
        let fields = try await WiFiMotionFields.read(request, context: context)
        let report = try await scope.setting(WiFiMotionTopology.key, of: networkId, context)
        let overrides = try WiFiMotionTopology.patched(
            try await scope.setting(WiFiMotionTopology.overridesKey, of: networkId, context), report: report, fields: fields)
        try await homes.setSetting(WiFiMotionTopology.overridesKey, of: networkId, to: overrides, by: context.principal)
        return JSONValue.object(["devices": .array(try await clients(of: networkId, context))]).response()
    }

    /// `{ts, devices, links}`: the devices as `/sounding/clients` lists them, the links as the agent reported them.
    @Sendable func topology(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let networkId = try await scope.network(request, context)
        let report = try await scope.setting(WiFiMotionTopology.key, of: networkId, context)?.objectValue
        return JSONValue.object([
            "ts": report?["ts"] ?? .null, "devices": .array(try await clients(of: networkId, context)), "links": report?["links"] ?? .array([]),
        ]).response()
    }

    private func clients(of networkId: Int, _ context: NimbusRequestContext) async throws -> [JSONValue] {
        let sensitivity = WiFiMotionSoundingSettings(stored: try await scope.setting(WiFiMotionSoundingSettings.key, of: networkId, context))
            .stored.objectValue?["sensitivity"] ?? .number(1)
        return WiFiMotionTopology.clients(
            report: try await scope.setting(WiFiMotionTopology.key, of: networkId, context),
            overrides: try await scope.setting(WiFiMotionTopology.overridesKey, of: networkId, context), sensitivity: sensitivity)
    }
}

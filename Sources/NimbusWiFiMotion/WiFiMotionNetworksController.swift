import Foundation
import Hummingbird
import NimbusCore
import NimbusHTTP

/// Networks (core homes the caller belongs to) and their scene configs. Members read them; owners change them;
/// a network the caller does not belong to is not found.
struct WiFiMotionNetworksController: Sendable {
    let homes: HomeUseCases

    func addRoutes(to api: RouterGroup<NimbusRequestContext>) {
        api.get("networks", use: list)
        api.get("networks/:id", use: get)
        api.put("networks/:id", use: update)
        api.get("network_scene_configs/:id", use: sceneConfig)
        api.put("network_scene_configs/:id", use: updateSceneConfig)
    }

    @Sendable func list(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        var networks: [JSONValue] = []
        for home in try await homes.list(userId: nil, projectId: nil, page: PageRequest(skip: 0, limit: PageRequest.maximumLimit), by: context.principal).items {
            networks.append(try await network(home, by: context.principal))
        }
        return JSONValue.object(["data": .array(networks)]).response()
    }

    @Sendable func get(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        try await network(try await homes.get(try Self.networkId(context), by: context.principal), by: context.principal).response()
    }

    /// The sample client sends every field (its own `id` too, and `None` for what is unset): each one given is set.
    @Sendable func update(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let id = try Self.networkId(context)
        let fields = try await WiFiMotionFields.read(request, context: context)
        var settings = WiFiMotionNetworkSettings(stored: try await homes.setting(WiFiMotionNetworkSettings.key, of: id, by: context.principal)?.value)
        try settings.apply(fields)
        let name = try fields.text("name", maxLength: 128, allowEmpty: false)
        if let name { try await homes.update(id, name: name, deactivated: nil, by: context.principal) }
        try await homes.setSetting(WiFiMotionNetworkSettings.key, of: id, to: settings.stored, by: context.principal)
        return try await network(try await homes.get(id, by: context.principal), by: context.principal).response()
    }

    @Sendable func sceneConfig(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let home = try await homes.get(try Self.networkId(context), by: context.principal)
        return try await sceneJSON(of: home, by: context.principal).response()
    }

    @Sendable func updateSceneConfig(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let home = try await homes.get(try Self.networkId(context), by: context.principal)
        let fields = try await WiFiMotionFields.read(request, context: context)
        var config = WiFiMotionSceneConfig(stored: try await homes.setting(WiFiMotionSceneConfig.key, of: home.id, by: context.principal)?.value)
        try config.apply(fields)
        try await homes.setSetting(WiFiMotionSceneConfig.key, of: home.id, to: config.stored, by: context.principal)
        return try await sceneJSON(of: home, by: context.principal).response()
    }

    private func sceneJSON(of home: Home, by principal: Principal) async throws -> JSONValue {
        let stored = try await homes.setting(WiFiMotionSceneConfig.key, of: home.id, by: principal)
        return WiFiMotionSceneConfig(stored: stored?.value).json(networkId: home.id, created: home.creationTime, updated: stored?.time ?? home.creationTime)
    }

    /// A network as `GET /networks` lists it.
    func network(_ home: Home, by principal: Principal) async throws -> JSONValue {
        let stored = try await homes.setting(WiFiMotionNetworkSettings.key, of: home.id, by: principal)
        let settings = WiFiMotionNetworkSettings(stored: stored?.value)
        let members = try await homes.members(of: home.id, page: PageRequest(skip: 0, limit: PageRequest.maximumLimit), by: principal).items
        let owner = members.first { $0.role == .owner }?.user.email
        guard case .object(var object) = settings.stored else { return .null }
        object["id"] = .number(Double(home.id))
        object["name"] = .string(home.name)
        object["created_at"] = WiFiMotionWire.time(home.creationTime)
        object["updated_at"] = WiFiMotionWire.time(stored?.time ?? home.creationTime)
        object["external_id"] = .null
        object["subscription_id"] = .null
        object["user_count"] = .number(Double(members.count))
        object["owner_email"] = owner.map(JSONValue.string) ?? .null
        object["present_count"] = .number(0)
        object["claimed"] = .bool(true)
        // The id of its scene config, which the sample client puts in `/network_scene_configs/{id}`.
        object["network_scene_config"] = .number(Double(home.id))
        return .object(object)
    }

    static func networkId(_ context: NimbusRequestContext) throws -> Int {
        guard let id = context.parameters.get("id", as: Int.self) else { throw NimbusError.notFound("network") }
        return id
    }
}

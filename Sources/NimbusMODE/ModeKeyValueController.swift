import Hummingbird
import NimbusCore
import NimbusHTTP

/// `/homes/{homeId}/kv…` and `/devices/{deviceId}/kv…`: the same key-value API on two scopes.
struct ModeKeyValueController {
    let keyValues: KeyValueUseCases

    func addRoutes(to routes: ModeRoutes) {
        for (path, scope) in [("homes/{homeId}", Self.homeScope), ("devices/{deviceId}", Self.deviceScope)] {
            routes.credentialed.get("\(path)/kv") { request, context in try await list(request, context, scope(context)) }
            routes.credentialed.get("\(path)/kv/{key}") { request, context in try await get(request, context, scope(context)) }
            routes.credentialed.put("\(path)/kv/{key}") { request, context in try await put(request, context, scope(context)) }
            routes.credentialed.delete("\(path)/kv/{key}") { request, context in try await delete(request, context, scope(context)) }
        }
    }

    static func homeScope(_ context: NimbusRequestContext) throws -> KeyValueScope { .home(try context.id("homeId")) }
    static func deviceScope(_ context: NimbusRequestContext) throws -> KeyValueScope { .device(try context.id("deviceId")) }

    func list(_ request: Request, _ context: NimbusRequestContext, _ scope: KeyValueScope) async throws -> Response {
        let pairs = try await keyValues.list(scope, keyPrefix: request.query("keyPrefix"), by: context.principal)
        return try ModeResponse.json(pairs.map(ModeWire.KeyValue.init))
    }

    func get(_ request: Request, _ context: NimbusRequestContext, _ scope: KeyValueScope) async throws -> Response {
        let pair = try await keyValues.get(scope, key: context.parameters.get("key") ?? "", by: context.principal)
        return try ModeResponse.json(ModeWire.KeyValue(pair))
    }

    func put(_ request: Request, _ context: NimbusRequestContext, _ scope: KeyValueScope) async throws -> Response {
        let fields = try await RequestFields.read(request, context: context)
        guard let value = fields.anyValue("value") else { throw NimbusError.invalidInput(field: "value", reason: "required") }
        _ = try await keyValues.put(scope, key: context.parameters.get("key") ?? "", value: value, by: context.principal)
        return ModeResponse.noContent()
    }

    func delete(_ request: Request, _ context: NimbusRequestContext, _ scope: KeyValueScope) async throws -> Response {
        try await keyValues.delete(scope, key: context.parameters.get("key") ?? "", by: context.principal)
        return ModeResponse.noContent()
    }
}

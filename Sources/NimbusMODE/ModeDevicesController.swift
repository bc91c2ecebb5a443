import Hummingbird
import NimbusCore
import NimbusHTTP

/// `/devices…` and `/deviceRegistration`: device records, claiming, provisioning, events, commands.
struct ModeDevicesController {
    let devices: DeviceUseCases
    let events: EventUseCases

    func addRoutes(to routes: ModeRoutes) {
        routes.credentialed.get("devices", use: list)
        routes.open.post("devices", use: add)
        routes.credentialed.get("devices/{deviceId}", use: get)
        routes.credentialed.patch("devices/{deviceId}", use: update)
        routes.credentialed.delete("devices/{deviceId}", use: delete)
        routes.credentialed.put("devices/{deviceId}/command", use: sendCommand)
        routes.credentialed.put("devices/{deviceId}/event", use: sendEvent)
        routes.credentialed.post("deviceRegistration", use: register)
    }

    func list(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let page = try await devices.list(homeId: try request.queryInt("homeId"), page: try request.page(), by: context.principal)
        return try ModeResponse.list(page.map { ModeWire.Device($0) })
    }

    /// Either a device provisions itself with a token, or a member claims a device with its claim code.
    func add(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let fields = try await RequestFields.read(request, context: context)
        if let token = try fields.string("token") {
            let issued = try await devices.provision(token: token)
            return try ModeResponse.json(ModeWire.Device(issued.device, apiKey: issued.apiKey), status: .created)
        }
        guard let claimCode = try fields.string("claimCode") else {
            throw NimbusError.invalidInput(field: "claimCode", reason: "claimCode and homeId, or token, are required")
        }
        let device = try await devices.claim(homeId: try fields.requiredInt("homeId"), claimCode: claimCode, by: context.principal)
        return try ModeResponse.json(ModeWire.Device(device), status: .created)
    }

    func get(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        try ModeResponse.json(ModeWire.Device(try await devices.get(try context.id("deviceId"), by: context.principal)))
    }

    func update(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let id = try context.id("deviceId")
        let fields = try await RequestFields.read(request, context: context)
        let homeId: Int?? = fields.values.keys.contains("homeId") ? .some(try fields.int("homeId")) : .none
        try await devices.update(id, name: try fields.string("name"), tag: try fields.string("tag"), homeId: homeId, by: context.principal)
        return ModeResponse.noContent()
    }

    func delete(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        try await devices.delete(try context.id("deviceId"), by: context.principal)
        return ModeResponse.noContent()
    }

    func sendCommand(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let id = try context.id("deviceId")
        let fields = try await RequestFields.read(request, context: context)
        let command = DeviceCommand(action: try fields.requiredString("action"), parameters: try fields.object("parameters") ?? [:])
        try await devices.sendCommand(command, to: id, by: context.principal)
        return ModeResponse.noContent()
    }

    func sendEvent(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let id = try context.id("deviceId")
        let fields = try await RequestFields.read(request, context: context)
        try await events.fromDevice(id, eventType: try fields.requiredString("eventType"), eventData: try fields.object("eventData") ?? [:], by: context.principal)
        return ModeResponse.noContent()
    }

    /// The device opens or closes its claim window.
    func register(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let fields = try await RequestFields.read(request, context: context)
        let until = try await devices.setClaimable(
            deviceId: try fields.requiredInt("deviceId"), claimable: try fields.bool("claimable") ?? false,
            duration: try fields.int("duration"), by: context.principal)
        return try ModeResponse.json(["claimExpirationTime": ModeWire.time(until)])
    }
}

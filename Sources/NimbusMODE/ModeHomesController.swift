import Hummingbird
import NimbusCore
import NimbusHTTP

/// `/homes…`: homes, members, smart modules, home events and on-demand provisioning.
struct ModeHomesController {
    let homes: HomeUseCases
    let events: EventUseCases
    let devices: DeviceUseCases

    func addRoutes(to routes: ModeRoutes) {
        routes.credentialed.get("homes", use: list)
        routes.credentialed.post("homes", use: create)
        routes.credentialed.get("homes/{homeId}", use: get)
        routes.credentialed.patch("homes/{homeId}", use: update)
        routes.credentialed.delete("homes/{homeId}", use: delete)
        routes.credentialed.get("homes/{homeId}/members", use: members)
        routes.credentialed.post("homes/{homeId}/members", use: addMember)
        routes.credentialed.get("homes/{homeId}/members/{userId}", use: member)
        routes.credentialed.patch("homes/{homeId}/members/{userId}", use: updateMember)
        routes.credentialed.delete("homes/{homeId}/members/{userId}", use: removeMember)
        routes.credentialed.get("homes/{homeId}/smartModules", use: smartModules)
        routes.credentialed.get("homes/{homeId}/smartModules/{moduleId}", use: smartModule)
        routes.credentialed.put("homes/{homeId}/event", use: sendEvent)
        routes.credentialed.post("homes/{homeId}/deviceProvisioning", use: startProvisioning)
    }

    func list(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let page = try await homes.list(
            userId: try request.queryInt("userId"), projectId: try request.queryInt("projectId"), page: try request.page(), by: context.principal)
        return try ModeResponse.list(page.map(ModeWire.Home.init))
    }

    func create(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let fields = try await RequestFields.read(request, context: context)
        let home = try await homes.create(name: try fields.requiredString("name"), by: context.principal)
        return try ModeResponse.json(ModeWire.Home(home), status: .created)
    }

    func get(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        try ModeResponse.json(ModeWire.Home(try await homes.get(try context.id("homeId"), by: context.principal)))
    }

    func update(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let id = try context.id("homeId")
        let fields = try await RequestFields.read(request, context: context)
        try await homes.update(id, name: try fields.string("name"), deactivated: try fields.bool("deactivated"), by: context.principal)
        return ModeResponse.noContent()
    }

    func delete(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        try await homes.delete(try context.id("homeId"), by: context.principal)
        return ModeResponse.noContent()
    }

    func members(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let page = try await homes.members(of: try context.id("homeId"), page: try request.page(), by: context.principal)
        return try ModeResponse.list(page.map(ModeWire.Member.init))
    }

    func addMember(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let homeId = try context.id("homeId")
        let fields = try await RequestFields.read(request, context: context)
        let invitee: HomeUseCases.Invitee
        if let email = try fields.string("email") {
            invitee = .email(email)
        } else if let phone = try fields.string("phoneNumber") {
            invitee = .phoneNumber(phone)
        } else if let userId = try fields.int("userId") {
            invitee = .userId(userId)
        } else {
            throw NimbusError.invalidInput(field: "email", reason: "email, phoneNumber or userId is required")
        }
        let member = try await homes.addMember(
            to: homeId, invitee, role: try role(fields) ?? .member, address: context.remoteAddress, by: context.principal)
        return try ModeResponse.json(ModeWire.Member(member), status: .created)
    }

    func member(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let member = try await homes.member(of: try context.id("homeId"), userId: try context.id("userId"), by: context.principal)
        return try ModeResponse.json(ModeWire.Member(member))
    }

    func updateMember(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let (homeId, userId) = (try context.id("homeId"), try context.id("userId"))
        let fields = try await RequestFields.read(request, context: context)
        guard let role = try role(fields) else { throw NimbusError.invalidInput(field: "role", reason: "required") }
        try await homes.setRole(of: userId, in: homeId, to: role, by: context.principal)
        return ModeResponse.noContent()
    }

    func removeMember(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        try await homes.removeMember(try context.id("userId"), from: try context.id("homeId"), by: context.principal)
        return ModeResponse.noContent()
    }

    func smartModules(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let modules = try await homes.smartModules(of: try context.id("homeId"), by: context.principal)
        let page = try request.page()
        let slice = modules.dropFirst(page.skip).prefix(page.limit)
        return try ModeResponse.list(Page(items: slice.map(ModeWire.SmartModule.init), skip: page.skip, total: modules.count))
    }

    func smartModule(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let moduleId = context.parameters.get("moduleId") ?? ""
        let module = try await homes.smartModule(moduleId, of: try context.id("homeId"), by: context.principal)
        return try ModeResponse.json(ModeWire.SmartModule(module))
    }

    /// A backend injects an event into a home (project key with `events`).
    func sendEvent(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let homeId = try context.id("homeId")
        let fields = try await RequestFields.read(request, context: context)
        try await events.toHome(
            homeId, eventType: try fields.requiredString("eventType"), eventData: try fields.object("eventData") ?? [:], by: context.principal)
        return ModeResponse.noContent()
    }

    func startProvisioning(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let homeId = try context.id("homeId")
        let fields = try await RequestFields.read(request, context: context)
        let issued = try await devices.startProvisioning(
            homeId: homeId, deviceClass: try fields.requiredString("deviceClass"), deviceTag: try fields.string("deviceTag"), by: context.principal)
        return try ModeResponse.json(["token": issued.token, "expirationTime": ModeWire.time(issued.expirationTime)])
    }

    private func role(_ fields: RequestFields) throws -> HomeMember.Role? {
        guard let text = try fields.string("role") else { return nil }
        guard let role = HomeMember.Role(rawValue: text) else { throw NimbusError.invalidInput(field: "role", reason: "owner or member") }
        return role
    }
}

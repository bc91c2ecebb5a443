import Hummingbird
import NimbusCore
import NimbusHTTP

/// `/users`: sign-up and user records.
struct ModeUsersController {
    let accounts: AccountUseCases
    /// Where the verification email's link points: MODE's account pages.
    let links: AccountLinks

    func addRoutes(to routes: ModeRoutes) {
        routes.open.post("users", use: create)
        routes.credentialed.get("users", use: list)
        routes.credentialed.get("users/{userId}", use: get)
        routes.credentialed.patch("users/{userId}", use: update)
        routes.credentialed.delete("users/{userId}", use: delete)
    }

    /// Signs a user up (or, in BYOU projects, registers one with a project key).
    func create(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let fields = try await RequestFields.read(request, context: context)
        let user = try await accounts.signUp(
            SignUpRequest(
                projectId: try fields.requiredInt("projectId"), name: try fields.string("name"), email: try fields.string("email"),
                password: try fields.string("password"), phoneNumber: try fields.string("phoneNumber"),
                externalKey: try fields.string("externalKey"), address: context.remoteAddress),
            links: links, by: context.principal)
        return try ModeResponse.json(ModeWire.User(user), status: .created)
    }

    func list(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        guard let projectId = try request.queryInt("projectId") ?? context.principal.projectId else {
            throw NimbusError.authenticationRequired
        }
        let page = try await accounts.listUsers(projectId: projectId, search: request.query("search"), page: try request.page(), by: context.principal)
        return try ModeResponse.list(page.map(ModeWire.User.init))
    }

    func get(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        try ModeResponse.json(ModeWire.User(try await accounts.user(try context.id("userId"), by: context.principal)))
    }

    func update(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let id = try context.id("userId")
        let fields = try await RequestFields.read(request, context: context)
        let changes = UserChanges(
            name: try fields.string("name"), password: try fields.string("password"), currentPassword: try fields.string("currentPassword"))
        try await accounts.updateUser(id, changes, address: context.remoteAddress, by: context.principal)
        return ModeResponse.noContent()
    }

    func delete(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        try await accounts.deleteUser(try context.id("userId"), by: context.principal)
        return ModeResponse.noContent()
    }
}

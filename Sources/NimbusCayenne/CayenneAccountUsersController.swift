import Foundation
import Hummingbird
import NimbusCore
import NimbusHTTP

/// The multi-tenant part of `/users`, and `/roles`: an account's users, their roles and per-feature
/// permissions. Every call acts in the caller's account, or in `account_id` when given.
struct CayenneAccountUsersController {
    let members: AccountMemberUseCases

    func addRoutes(to group: RouterGroup<NimbusRequestContext>) {
        group.get("users", use: list)
        group.get("users/:id/permissions", use: permissions)
        group.put("users/:id/permissions", use: setPermissions)
        group.delete("users/:id", use: remove)
        group.get("roles", use: roles)
        group.post("roles", use: createRole)
    }

    /// `POST /users` by a signed-in user: a sub-user of their account (called by `CayenneUsersController`).
    func create(_ fields: RequestFields, context: NimbusRequestContext) async throws -> Response {
        let created = try await members.create(
            AccountMemberUseCases.NewUser(
                firstName: try fields.string("first_name"), lastName: try fields.string("last_name"), email: try fields.string("email"),
                password: try fields.string("password"), roleId: try fields.int("permission_role_id"),
                overrides: try Self.permissions(fields) ?? Permissions()),
            accountId: try fields.int("account_id"), by: context.principal)
        return CayenneResponse.json(Self.wire(created), status: .created)
    }

    func list(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let users = try await members.list(accountId: try Self.accountId(request), by: context.principal)
        return CayenneResponse.json(.array(users.map { .object(Self.wire($0)) }))
    }

    func permissions(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let user = try await members.get(try CayenneUsersController.userId(context), accountId: try Self.accountId(request), by: context.principal)
        return CayenneResponse.json(Self.wire(user))
    }

    func setPermissions(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let fields = try await RequestFields.read(request, context: context)
        let user = try await members.setPermissions(
            try CayenneUsersController.userId(context), roleId: try fields.int("permission_role_id"), overrides: try Self.permissions(fields),
            accountId: try fields.int("account_id") ?? Self.accountId(request), by: context.principal)
        return CayenneResponse.json(Self.wire(user))
    }

    func remove(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        try await members.remove(try CayenneUsersController.userId(context), accountId: try Self.accountId(request), by: context.principal)
        return CayenneResponse.json(["success": .bool(true)])
    }

    func roles(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let roles = try await members.roles(accountId: try Self.accountId(request), by: context.principal)
        return CayenneResponse.json(.array(roles.map(Self.wire)))
    }

    func createRole(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let fields = try await RequestFields.read(request, context: context)
        let role = try await members.createRole(
            name: try fields.requiredString("name"), permissions: try Self.permissions(fields) ?? Permissions(),
            accountId: try fields.int("account_id"), by: context.principal)
        return CayenneResponse.json(Self.wire(role), status: .created)
    }

    // MARK: - Wire

    static func wire(_ user: AccountMemberUseCases.AccountUser) -> [String: JSONValue] {
        var object = CayenneWire.user(user.member.user)
        object["account_id"] = .number(Double(user.member.homeId))
        object["permission_role_id"] = .number(Double(user.role.id))
        object["role"] = .string(user.role.name)
        object["permissions"] = user.permissions.complete.jsonValue
        object["permission_overrides"] = user.member.overrides.jsonValue
        return object
    }

    static func wire(_ role: AccountRole) -> JSONValue {
        .object([
            "id": .number(Double(role.id)), "name": .string(role.name), "built_in": .bool(role.homeId == nil),
            "permissions": role.permissions.complete.jsonValue,
        ])
    }

    static func permissions(_ fields: RequestFields) throws -> Permissions? {
        try fields.anyValue("permissions").map { try Permissions(jsonValue: $0) }
    }

    static func accountId(_ request: Request) throws -> Int? {
        guard let raw = request.uri.queryParameters.get("account_id") else { return nil }
        guard let id = Int(raw) else { throw NimbusError.invalidInput(field: "account_id", reason: "must be an integer") }
        return id
    }
}

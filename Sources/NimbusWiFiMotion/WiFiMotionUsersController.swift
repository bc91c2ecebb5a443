import Foundation
import Hummingbird
import NimbusCore
import NimbusHTTP

/// Users: sign-up (unconfirmed, with a confirmation mail and a network of their own), their record, confirmation and
/// password reset mails. A user sees only themselves.
struct WiFiMotionUsersController: Sendable {
    let accounts: AccountUseCases
    let space: WiFiMotionSpace
    let links: AccountLinks

    func addRoutes(open: RouterGroup<NimbusRequestContext>, credentialed: RouterGroup<NimbusRequestContext>) {
        open.post("users", use: signUp)
        credentialed.get("users/:id", use: get)
        credentialed.put("users/:id", use: update)
        credentialed.delete("users/:id", use: delete)
        open.post("confirmation_mails", use: sendConfirmation)
        open.post("confirmations", use: sendConfirmation)
        open.get("confirmations", use: confirm)
        open.post("password_resets", use: sendPasswordReset)
        open.put("password_resets", use: resetPassword)
    }

    @Sendable func signUp(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let fields = try await WiFiMotionFields.read(request, context: context)
        let firstName = try fields.string("first_name")
        let user = try await accounts.signUp(
            SignUpRequest(
                projectId: space.projectId, email: try fields.requiredString("email"), password: try fields.requiredString("password"),
                address: context.remoteAddress, firstName: firstName, lastName: try fields.string("last_name"),
                ownHome: firstName.map { "\($0)'s home" } ?? "Home"),
            links: links, by: .anonymous)
        return WiFiMotionWire.user(user).response(.created)
    }

    @Sendable func get(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        WiFiMotionWire.user(try await accounts.user(try Self.userId(context), by: context.principal)).response()
    }

    /// A password change needs `current_password` (Nimbus's rule: a stolen token alone cannot take the account over).
    @Sendable func update(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let id = try Self.userId(context)
        let fields = try await WiFiMotionFields.read(request, context: context)
        let before = try await accounts.user(id, by: context.principal)
        let changes = UserChanges(
            password: try fields.string("password"), currentPassword: try fields.string("current_password"), email: try fields.string("email"),
            firstName: try fields.string("first_name"), lastName: try fields.string("last_name"))
        if changes.password != nil, changes.currentPassword == nil { throw WiFiMotionError.invalid("current_password", "required to change the password") }
        try await accounts.updateUser(id, changes, address: context.remoteAddress, by: context.principal)
        let user = try await accounts.user(id, by: context.principal)
        if let email = user.email, email != before.email {
            _ = try await accounts.startEmailVerification(projectId: space.projectId, email: email, address: context.remoteAddress, link: links.emailVerification)
        }
        return WiFiMotionWire.user(user).response()
    }

    @Sendable func delete(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let deletesNetworks = try request.wifiMotionFlag("delete_claimed_network") ?? false
        try await accounts.deleteUser(try Self.userId(context), ownedHomes: deletesNetworks ? .delete : .deleteUnshared, by: context.principal)
        return Response(status: .noContent)
    }

    /// The same answer whether or not the address has an account, so that it tells nobody which addresses do.
    @Sendable func sendConfirmation(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let email = try await WiFiMotionFields.read(request, context: context).requiredString("email")
        do {
            _ = try await accounts.startEmailVerification(projectId: space.projectId, email: email, address: context.remoteAddress, link: links.emailVerification)
        } catch NimbusError.rejected(.unknownEmail) {}
        return Response(status: .noContent)
    }

    @Sendable func confirm(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        guard let token = request.uri.queryParameters.get("token"), !token.isEmpty else { throw WiFiMotionError.invalid("token", "required") }
        let user = try await accounts.verifyEmail(token: token)
        guard user.projectId == space.projectId else { throw NimbusError.rejected(.invalidToken) }
        return WiFiMotionWire.user(user).response()
    }

    @Sendable func sendPasswordReset(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let email = try await WiFiMotionFields.read(request, context: context).requiredString("email")
        try await accounts.startPasswordReset(email: email, projectId: space.projectId, address: context.remoteAddress, link: links.passwordReset)
        return Response(status: .noContent)
    }

    @Sendable func resetPassword(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let fields = try await WiFiMotionFields.read(request, context: context)
        _ = try await accounts.resetPassword(token: try fields.requiredString("token"), newPassword: try fields.requiredString("password"))
        return Response(status: .noContent)
    }

    static func userId(_ context: NimbusRequestContext) throws -> Int {
        guard let id = context.parameters.get("id", as: Int.self) else { throw NimbusError.notFound("user") }
        return id
    }
}

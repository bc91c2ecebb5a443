import Foundation
import Hummingbird
import NimbusCore
import NimbusHTTP

/// `/users` and `/password`: sign-up, the user record, and password reset.
struct CayenneUsersController {
    let accounts: AccountUseCases
    let oauth: OAuthUseCases
    let accountUsers: CayenneAccountUsersController
    /// Builds the link in the password reset email (the HTML form of `CayennePasswordPages`).
    let passwordResetLink: @Sendable (String) -> String

    func addRoutes(to group: RouterGroup<NimbusRequestContext>) {
        group.post("users", use: signUp)
        group.get("users/me", use: me)
        group.get(RouterPath(CayenneDialect.keycloakPath + "/userinfo"), use: userinfo)
        group.get("users/:id", use: get)
        group.put("users/:id", use: update)
        group.post("password/forgot", use: forgot)
        group.get("password/reset", use: resetForm)
        group.post("password/reset", use: reset)
        group.post("password/rese", use: reset)  // the seed's spelling
    }

    /// A new account (sign-up), or, for a signed-in user, a sub-user of their account.
    func signUp(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let fields = try await RequestFields.read(request, context: context)
        if case .user = context.principal { return try await accountUsers.create(fields, context: context) }
        var appId = try fields.string("application_id") ?? fields.string("client_id")
        if appId == nil, case .client(let tokenApp, _) = context.principal { appId = tokenApp }
        let (user, tokens) = try await oauth.signUp(
            OAuthUseCases.SignUp(
                firstName: try fields.string("first_name"), lastName: try fields.string("last_name"), email: try fields.string("email"),
                password: try fields.string("password"), appId: appId),
            by: context.principal)
        var body = CayenneWire.user(user)
        body["application_id"] = appId.map(JSONValue.string) ?? .null
        body.merge(CayenneWire.tokens(tokens)) { current, _ in current }
        return CayenneResponse.json(body, status: .created)
    }

    func me(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        CayenneResponse.json(CayenneWire.user(try await signedInUser(context)))
    }

    /// Keycloak's OpenID Connect userinfo, as the newer Cayenne clients read it.
    func userinfo(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let user = try await signedInUser(context)
        let given = user.firstName ?? user.name, family = user.lastName ?? ""
        return CayenneResponse.json([
            "sub": .string(String(user.id)), "user_id": .string(String(user.id)), "email": user.email.map(JSONValue.string) ?? .null,
            "email_verified": .bool(user.verified), "given_name": .string(given), "family_name": .string(family),
            "name": .string(family.isEmpty ? given : "\(given) \(family)"),
        ])
    }

    private func signedInUser(_ context: NimbusRequestContext) async throws -> User {
        guard case .user(let userId, _, _, _) = context.principal else {
            if case .anonymous = context.principal { throw NimbusError.authenticationRequired }
            throw NimbusError.wrongCredentialKind
        }
        return try await accounts.user(userId, by: context.principal)
    }

    /// The user themselves, a project key with `admin`, or a user of the same account who may view users.
    func get(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let id = try Self.userId(context)
        if case .user(let me, _, _, _) = context.principal, me != id {
            return try await accountUsers.permissions(request, context: context)
        }
        return CayenneResponse.json(CayenneWire.user(try await accounts.user(id, by: context.principal)))
    }

    /// Names change here; the email cannot change, and the password changes through `/password`.
    func update(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let id = try Self.userId(context)
        let fields = try await RequestFields.read(request, context: context)
        if fields["password"] != nil {
            throw NimbusError.invalidInput(field: "password", reason: "change it through /password/forgot and /password/reset")
        }
        if let email = try fields.string("email") {
            let current = try await accounts.user(id, by: context.principal)
            guard email.lowercased() == current.email?.lowercased() else { throw NimbusError.invalidInput(field: "email", reason: "cannot be changed") }
        }
        let user = try await accounts.updateProfile(
            id, firstName: try fields.string("first_name"), lastName: try fields.string("last_name"),
            phoneNumber: try fields.string("phone_number"), by: context.principal)
        return CayenneResponse.json(CayenneWire.user(user))
    }

    /// Always the same answer, so the endpoint does not tell which addresses have accounts.
    func forgot(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let fields = try await RequestFields.read(request, context: context)
        let email = try fields.requiredString("email")
        var projectId: Int?
        if let appId = try fields.string("application_id") ?? fields.string("client_id") {
            projectId = try await oauth.projectOfApp(appId)
        }
        try await accounts.startPasswordReset(email: email, projectId: projectId, address: context.remoteAddress, link: passwordResetLink)
        return CayenneResponse.json(["success": .bool(true)])
    }

    /// A browser posting the emailed link's form gets a page; an app gets the seed's JSON.
    func reset(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let fields = try await RequestFields.read(request, context: context)
        let fromBrowser = request.headers[.accept]?.contains("text/html") == true
        do {
            _ = try await accounts.resetPassword(token: try fields.requiredString("token"), newPassword: try fields.requiredString("password"))
        } catch let error as NimbusError where fromBrowser {
            return CayennePage.error(CayenneError(error).description)
        }
        if fromBrowser { return CayennePage.render(title: "Password changed", body: "<p>Your new password is set. You can return to the app.</p>") }
        return CayenneResponse.json(["success": .bool(true)])
    }

    /// The page the emailed link opens: a form for the new password.
    func resetForm(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let token = request.uri.queryParameters.get("token") ?? ""
        return CayennePage.render(title: "Choose a new password", body: """
            <form method="post" action="\(CayenneDialect.pathPrefix)/password/reset">
            \(CayennePage.hidden([("token", token)]))
            <label>New password (at least 8 characters)<br><input type="password" name="password" minlength="8" required></label>
            <p><button type="submit">Set password</button></p>
            </form>
            """)
    }

    static func userId(_ context: NimbusRequestContext) throws -> Int {
        guard let id = context.parameters.get("id", as: Int.self) else { throw NimbusError.notFound("user") }
        return id
    }
}

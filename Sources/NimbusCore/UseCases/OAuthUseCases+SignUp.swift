import Foundation

extension OAuthUseCases {
    /// A new account, as the Cayenne sign-up sends it.
    public struct SignUp: Sendable {
        public var firstName: String?
        public var lastName: String?
        public var email: String?
        public var password: String?
        /// The application signed up into; a client token's own app when absent.
        public var appId: String?

        public init(firstName: String?, lastName: String?, email: String?, password: String?, appId: String?) {
            self.firstName = firstName
            self.lastName = lastName
            self.email = email
            self.password = password
            self.appId = appId
        }
    }

    /// Creates a user in an app's project, with their own account (a home they own), and signs them in. Anyone may when the app allows sign-up;
    /// otherwise only a client-credentials token of a confidential app of that project.
    public func signUp(_ request: SignUp, by principal: Principal) async throws -> (user: User, tokens: IssuedTokens) {
        let (app, account) = try await checked(request, by: principal)
        let now = environment.clock.now()
        let (user, session) = try await store.write { tx in
            var user = try await self.insert(account, app: app, at: now, in: tx)
            let session = try await self.openSession(for: user, appId: app.id, at: now, in: tx)
            user.lastSignInTime = now
            return (user, session)
        }
        return (user, try await issueTokens(user: user, app: app, sessionId: session.id, scope: "", at: now))
    }

    /// Creates the user and their account as `signUp` does, without signing in to the app: the OAuth pages' sign-up,
    /// which then signs the person in with single sign-on and asks for consent, as after a password sign-in.
    public func createAccount(_ request: SignUp, by principal: Principal) async throws -> User {
        let (app, account) = try await checked(request, by: principal)
        let now = environment.clock.now()
        return try await store.write { tx in try await self.insert(account, app: app, at: now, in: tx) }
    }

    /// The app signed up into, checked against the caller, and the user to make (names, email, password hash).
    private func checked(_ request: SignUp, by principal: Principal) async throws -> (app: App, user: User) {
        var tokenApp: String?
        if case .client(let appId, _) = principal { tokenApp = appId }
        let appId = try Validation.required(request.appId ?? tokenApp ?? settings.defaultClientId, "application_id")
        guard let app = try await store.read({ try await $0.projects.app(id: appId) }), app.status == .active else {
            throw NimbusError.notFound("application")
        }
        switch principal {
        case .client(_, let projectId) where projectId == app.projectId: break
        case _ where app.allowsSignUp: break
        case .anonymous: throw NimbusError.authenticationRequired
        default: throw NimbusError.permissionDenied
        }
        let firstName = try Validation.text(try Validation.requiredText(request.firstName, "first_name"), field: "first_name", maxLength: 128)
        let lastName = try Validation.text(try Validation.requiredText(request.lastName, "last_name"), field: "last_name", maxLength: 128)
        let email = try Validation.email(try Validation.requiredText(request.email, "email"))
        let password = try Validation.requiredText(request.password, "password")
        try Validation.password(password)
        let passwordHash = await Secrets.hashPassword(password)
        let now = environment.clock.now()
        return (app, User(
            id: 0, projectId: app.projectId, name: User.name(firstName: firstName, lastName: lastName), email: email, passwordHash: passwordHash,
            verified: true, creationTime: now, passwordUpdateTime: now, firstName: firstName, lastName: lastName))
    }

    /// The user (or the invitation's placeholder they take over) and their account: the space their devices and
    /// sub-users will share.
    private func insert(_ fields: User, app: App, at now: Date, in tx: any StoreTransaction) async throws -> User {
        guard let project = try await tx.projects.get(id: app.projectId) else { throw NimbusError.notFound("project") }
        guard project.accountMode == .email else { throw NimbusError.rejected(.wrongAccountMode) }
        let user: User
        if var existing = try await tx.users.find(projectId: app.projectId, email: fields.email ?? "") {
            // A placeholder made by a home invitation has no password yet and may be taken over.
            guard existing.passwordHash == nil else { throw NimbusError.rejected(.emailInUse) }
            existing.name = fields.name
            existing.firstName = fields.firstName
            existing.lastName = fields.lastName
            existing.passwordHash = fields.passwordHash
            existing.passwordUpdateTime = now
            existing.verified = true
            try await tx.users.update(existing)
            user = existing
        } else {
            user = try await tx.users.insert(fields)
        }
        let account = try await tx.homes.insert(projectId: app.projectId, name: fields.name, at: now)
        try await tx.homes.addMember(homeId: account.id, userId: user.id, role: .owner, at: now)
        return user
    }
}

import Foundation

/// Sign-up, sign-in, sessions and user records, in all three account modes.
public struct AccountUseCases: Sendable {
    /// How long the secrets sent to users stay valid.
    public enum Lifetime {
        public static let emailVerification: TimeInterval = 7 * 24 * 3600
        public static let passwordReset: TimeInterval = 3600
        public static let smsCode: TimeInterval = 600
    }

    let environment: CoreEnvironment
    var store: any Store { environment.store }

    /// Creates a user. Email and phone projects allow anyone to sign up; BYOU projects need a project
    /// key with the `byou` permission. The verification email links to the calling dialect's page.
    public func signUp(_ request: SignUpRequest, links: AccountLinks, by principal: Principal) async throws -> User {
        let project = try await project(request.projectId)
        let now = environment.clock.now()
        let firstName = try request.firstName.map { try Validation.text($0, field: "first_name", maxLength: 128, allowEmpty: true) }
        let lastName = try request.lastName.map { try Validation.text($0, field: "last_name", maxLength: 128, allowEmpty: true) }
        let name = try Validation.text(request.name ?? User.name(firstName: firstName, lastName: lastName), field: "name", allowEmpty: true)
        let ownHome = try request.ownHome.map { try Validation.text($0.isEmpty ? "Home" : $0, field: "name") }
        switch project.accountMode {
        case .email:
            let email = try Validation.email(try Validation.required(request.email, "email"))
            let password = try Validation.required(request.password, "password")
            try Validation.password(password)
            let passwordHash = await Secrets.hashPassword(password)
            let token = Secrets.token(prefix: "")
            let user = try await store.write { tx in
                var user: User
                if let existing = try await tx.users.find(projectId: project.id, email: email) {
                    // A placeholder made by a home invitation has no password yet and may be taken over.
                    guard existing.passwordHash == nil else {
                        throw NimbusError.rejected(existing.verified ? .emailInUse : .userExistsUnverified)
                    }
                    user = existing
                    user.name = name
                    user.firstName = firstName
                    user.lastName = lastName
                    user.passwordHash = passwordHash
                    user.passwordUpdateTime = now
                    try await tx.users.update(user)
                } else {
                    user = try await tx.users.insert(User(
                        id: 0, projectId: project.id, name: name, email: email, passwordHash: passwordHash,
                        verified: false, creationTime: now, passwordUpdateTime: now, firstName: firstName, lastName: lastName))
                }
                if let ownHome {
                    let home = try await tx.homes.insert(projectId: project.id, name: ownHome, at: now)
                    try await tx.homes.addMember(homeId: home.id, userId: user.id, role: .owner, at: now)
                }
                try await self.enqueueVerificationEmail(to: user, token: token, link: links.emailVerification, address: request.address, in: tx)
                return user
            }
            environment.outboxSignal()
            return user
        case .phone:
            let phone = try Validation.phoneNumber(try Validation.required(request.phoneNumber, "phoneNumber"))
            let code = Secrets.numericCode()
            let user = try await store.write { tx in
                var user: User
                if let existing = try await tx.users.find(projectId: project.id, phoneNumber: phone) {
                    guard !existing.verified else { throw NimbusError.rejected(.phoneNumberInUse) }
                    user = existing
                    user.name = name
                    try await tx.users.update(user)
                } else {
                    user = try await tx.users.insert(User(id: 0, projectId: project.id, name: name, phoneNumber: phone, verified: false, creationTime: now))
                }
                try await self.enqueueSMSCode(to: user, code: code, address: request.address, in: tx)
                return user
            }
            environment.outboxSignal()
            return user
        case .byou:
            let key = try AccessPolicy.requireKey(principal, .byou)
            guard key.projectId == project.id else { throw NimbusError.permissionDenied }
            let externalKey = try request.externalKey.map { try Validation.text($0, field: "externalKey") }
            return try await store.write { tx in
                try await tx.users.insert(User(id: 0, projectId: project.id, name: name, externalKey: externalKey, verified: true, creationTime: now))
            }
        }
    }

    /// Signs a user in and opens a session.
    public func signIn(_ request: SignInRequest, by principal: Principal) async throws -> IssuedSession {
        let app: App? = try await request.appId.asyncMap { appId in
            guard let app = try await store.read({ try await $0.projects.app(id: appId) }) else { throw NimbusError.notFound("app") }
            return app
        }
        guard let projectId = app?.projectId ?? request.projectId else {
            throw NimbusError.invalidInput(field: "projectId", reason: "projectId or appId is required")
        }
        if let requested = request.projectId, requested != projectId {
            throw NimbusError.invalidInput(field: "appId", reason: "the app belongs to another project")
        }
        let project = try await project(projectId)
        let user: User
        switch project.accountMode {
        case .email:
            guard app != nil else { throw NimbusError.invalidInput(field: "appId", reason: "required") }
            let email = try Validation.email(try Validation.required(request.email, "email"))
            let password = try Validation.required(request.password, "password")
            user = try await throttled(projectId: projectId, email, address: request.address) {
                guard let found = try await store.read({ try await $0.users.find(projectId: projectId, email: email) }) else {
                    throw NimbusError.rejected(.unknownEmail)
                }
                try await Self.checkPassword(password, of: found)
                return found
            }
        case .phone:
            guard app != nil else { throw NimbusError.invalidInput(field: "appId", reason: "required") }
            let phone = try Validation.phoneNumber(try Validation.required(request.phoneNumber, "phoneNumber"))
            let code = try Validation.required(request.code, "code")
            user = try await throttled(projectId: projectId, phone, address: request.address) {
                try await redeemSMSCode(projectId: projectId, phoneNumber: phone, code: code)
            }
        case .byou:
            let key = try AccessPolicy.requireKey(principal, .byou)
            guard key.projectId == projectId else { throw NimbusError.permissionDenied }
            let userId = try Validation.required(request.userId, "userId")
            guard let found = try await store.read({ try await $0.users.get(id: userId) }), found.projectId == projectId else {
                throw NimbusError.rejected(.unknownUser)
            }
            user = found
        }
        let token = Secrets.token(prefix: Authenticator.TokenPrefix.session)
        let now = environment.clock.now()
        let session = try await store.write { tx in
            try await tx.sessions.insert(userId: user.id, projectId: projectId, appId: app?.id, tokenHash: Secrets.hash(token), at: now)
        }
        return IssuedSession(session: session, token: token)
    }

    /// Sends a new sign-in code to a phone user; returns the number it went to.
    public func sendSMSCode(projectId: Int, phoneNumber: String, address: String?) async throws -> String {
        let project = try await project(projectId)
        guard project.accountMode == .phone else { throw NimbusError.rejected(.wrongAccountMode) }
        let phone = try Validation.phoneNumber(phoneNumber)
        let code = Secrets.numericCode()
        try await store.write { tx in
            guard let user = try await tx.users.find(projectId: projectId, phoneNumber: phone) else { throw NimbusError.rejected(.unknownUser) }
            try await self.enqueueSMSCode(to: user, code: code, address: address, in: tx)
        }
        environment.outboxSignal()
        return phone
    }

    /// Sends the verification email again, linking to `link(token)`.
    public func startEmailVerification(
        projectId: Int, email rawEmail: String, address: String?, link: @escaping @Sendable (String) -> String
    ) async throws -> String {
        let user = try await emailUser(projectId: projectId, email: rawEmail)
        let token = Secrets.token(prefix: "")
        try await store.write { tx in try await self.enqueueVerificationEmail(to: user, token: token, link: link, address: address, in: tx) }
        environment.outboxSignal()
        return user.email ?? rawEmail
    }

    /// Marks the user of an emailed verification token verified.
    public func verifyEmail(token: String) async throws -> User {
        try await redeem(token: token, purpose: .emailVerification) { user, _ in
            user.verified = true
        }.user
    }

    /// Emails a password reset link that opens `link(token)`.
    public func startPasswordReset(
        projectId: Int, email rawEmail: String, address: String?, link: @escaping @Sendable (String) -> String
    ) async throws -> String {
        let user = try await emailUser(projectId: projectId, email: rawEmail)
        try await sendPasswordReset(to: user, link: link, address: address)
        return user.email ?? rawEmail
    }

    /// Emails a password reset link that opens `link(token)`. The token works once, within an hour.
    func sendPasswordReset(to user: User, link: @Sendable (String) -> String, address: String?) async throws {
        let token = Secrets.token(prefix: "")
        let now = environment.clock.now()
        let link = link(token)
        try await store.write { tx in
            try await self.environment.messageThrottle.admit(user.email ?? "", address: address, at: now, in: tx)
            try await tx.users.insertToken(userId: user.id, purpose: .passwordReset, secretHash: Secrets.hash(token), expirationTime: now + Lifetime.passwordReset)
            try await tx.outbox.enqueue(EmailMessage(
                to: user.email ?? "", subject: "Reset your password",
                body: "Someone asked to reset the password of your account.\n\nTo choose a new password, open:\n\(link)\n\nThe link works once, within one hour. If you did not ask for this, ignore this message.\n"
            ), at: now)
        }
        environment.outboxSignal()
    }

    /// Sets a new password with an emailed reset token; every session of the user ends.
    public func resetPassword(token: String, newPassword: String) async throws -> User {
        try Validation.password(newPassword)
        let hash = await Secrets.hashPassword(newPassword)
        let now = environment.clock.now()
        let (user, revoked) = try await redeem(token: token, purpose: .passwordReset) { user, tx in
            user.passwordHash = hash
            user.passwordUpdateTime = now
            user.verified = true  // they proved they read the mailbox
            return try await tx.sessions.deleteAll(userId: user.id)
        }
        for sessionId in revoked { environment.revoke(.session(sessionId)) }
        return user
    }

    /// The session behind a user principal.
    public func session(of principal: Principal) async throws -> Session {
        let sessionId = try AccessPolicy.requireSession(principal)
        return try await store.read { tx in
            guard let session = try await tx.sessions.find(id: sessionId) else { throw NimbusError.invalidCredential }
            return session
        }
    }

    /// Ends the caller's session: its token stops working and its connections close.
    public func endSession(of principal: Principal) async throws {
        let sessionId = try AccessPolicy.requireSession(principal)
        try await store.write { tx in try await tx.sessions.delete(id: sessionId) }
        environment.revoke(.session(sessionId))
    }

    /// Ends every other session of the caller's user (WiFi Motion's sign-in without `multi`): their tokens stop
    /// working at once and their connections close. - Returns: how many ended.
    @discardableResult
    public func endOtherSessions(of principal: Principal) async throws -> Int {
        let sessionId = try AccessPolicy.requireSession(principal)
        let (userId, _) = try AccessPolicy.requireUser(principal)
        let ended = try await store.write { tx in try await tx.sessions.deleteAll(userId: userId, except: sessionId) }
        for session in ended { environment.revoke(.session(session)) }
        return ended.count
    }
}

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}

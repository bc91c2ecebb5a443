import Foundation

extension AccountUseCases {
    func project(_ id: Int) async throws -> Project {
        guard let project = try await store.read({ try await $0.projects.get(id: id) }) else { throw NimbusError.notFound("project") }
        return project
    }

    /// The user of an email project with that address.
    func emailUser(projectId: Int, email rawEmail: String) async throws -> User {
        let project = try await project(projectId)
        guard project.accountMode == .email else { throw NimbusError.rejected(.wrongAccountMode) }
        let email = try Validation.email(rawEmail)
        guard let user = try await store.read({ try await $0.users.find(projectId: projectId, email: email) }) else {
            throw NimbusError.rejected(.unknownEmail)
        }
        return user
    }

    /// Uses up an emailed token: checks it, lets `change` modify the user (inside the same
    /// transaction), saves the user and marks the token used.
    func redeem<Extra: Sendable>(
        token: String, purpose: UserToken.Purpose,
        change: @escaping @Sendable (inout User, any StoreTransaction) async throws -> Extra
    ) async throws -> (user: User, extra: Extra) {
        let now = environment.clock.now()
        return try await store.write { tx in
            guard var stored = try await tx.users.token(purpose: purpose, secretHash: Secrets.hash(token)),
                !stored.used, stored.expirationTime > now,
                var user = try await tx.users.get(id: stored.userId)
            else { throw NimbusError.rejected(.invalidToken) }
            let extra = try await change(&user, tx)
            try await tx.users.update(user)
            stored.used = true
            try await tx.users.updateToken(stored)
            return (user, extra)
        }
    }

    /// Runs a sign-in check as one attempt counted by the sign-in throttle, for the account with this
    /// email address or phone number in the project.
    func throttled<T: Sendable>(projectId: Int, _ identifier: String, address: String?, _ verify: () async throws -> T) async throws -> T {
        try await environment.signInThrottle.attempt(
            account: SignInThrottle.account(projectId: projectId, identifier), address: address, refusal: NimbusError.tooManyAttempts, verify)
    }

    /// Refuses a password that is not the user's.
    static func checkPassword(_ password: String, of user: User) async throws {
        guard let hash = user.passwordHash, await Secrets.verifyPassword(password, hash: hash) else {
            throw NimbusError.rejected(.incorrectPassword)
        }
    }

    /// Checks an SMS code in constant time, counting wrong attempts; marks the user verified. The
    /// wrong attempts of every code sent to the number within the message window count together,
    /// so asking for a new code does not buy new guesses.
    func redeemSMSCode(projectId: Int, phoneNumber: String, code: String) async throws -> User {
        let now = environment.clock.now()
        let limits = environment.messageThrottle.limits
        // A code's row has no creation time; it was issued `Lifetime.smsCode` before it expires.
        let issuedInWindow = now - limits.window + Lifetime.smsCode
        let outcome: Result<User, NimbusError> = try await store.write { tx in
            guard var user = try await tx.users.find(projectId: projectId, phoneNumber: phoneNumber) else {
                return .failure(.rejected(.unknownUser))
            }
            guard var token = try await tx.users.latestToken(userId: user.id, purpose: .smsCode), token.expirationTime > now else {
                return .failure(.rejected(.invalidAuthCode))
            }
            let failures = try await tx.users.failedAttempts(userId: user.id, purpose: .smsCode, expiringAfter: issuedInWindow)
            guard failures < limits.smsCodeFailures else { return .failure(.tooManyAttempts) }
            guard Secrets.matches(code, hash: token.secretHash) else {
                // Counted in the same committed transaction, so guessing cannot go on forever.
                token.failedAttempts += 1
                try await tx.users.updateToken(token)
                return .failure(.rejected(.invalidAuthCode))
            }
            token.used = true
            try await tx.users.updateToken(token)
            if !user.verified {
                user.verified = true
                try await tx.users.update(user)
            }
            return .success(user)
        }
        return try outcome.get()
    }

    func enqueueVerificationEmail(
        to user: User, token: String, link: @Sendable (String) -> String, address: String?, in tx: any StoreTransaction
    ) async throws {
        let now = environment.clock.now()
        try await environment.messageThrottle.admit(user.email ?? "", address: address, at: now, in: tx)
        try await tx.users.insertToken(
            userId: user.id, purpose: .emailVerification, secretHash: Secrets.hash(token),
            expirationTime: now + Lifetime.emailVerification)
        let link = link(token)
        try await tx.outbox.enqueue(EmailMessage(
            to: user.email ?? "", subject: "Confirm your email address",
            body: "Welcome! Please confirm your email address by opening this link:\n\(link)\n\nThe link is valid for 7 days.\n"
        ), at: now)
    }

    func enqueueSMSCode(to user: User, code: String, address: String?, in tx: any StoreTransaction) async throws {
        let now = environment.clock.now()
        try await environment.messageThrottle.admit(user.phoneNumber ?? "", address: address, at: now, in: tx)
        try await tx.users.insertToken(userId: user.id, purpose: .smsCode, secretHash: Secrets.hash(code), expirationTime: now + Lifetime.smsCode)
        try await tx.outbox.enqueue(SMSMessage(
            to: user.phoneNumber ?? "", body: "Your sign-in code is \(code). It expires in 10 minutes."
        ), at: now)
    }
}

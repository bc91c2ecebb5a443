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

    /// Checks an SMS code in constant time, counting wrong attempts; marks the user verified.
    func redeemSMSCode(projectId: Int, phoneNumber: String, code: String) async throws -> User {
        let now = environment.clock.now()
        let outcome: Result<User, NimbusError> = try await store.write { tx in
            guard var user = try await tx.users.find(projectId: projectId, phoneNumber: phoneNumber) else {
                return .failure(.rejected(.unknownUser))
            }
            guard var token = try await tx.users.latestToken(userId: user.id, purpose: .smsCode), token.expirationTime > now else {
                return .failure(.rejected(.invalidAuthCode))
            }
            guard token.failedAttempts < Lifetime.smsCodeAttempts else { return .failure(.tooManyAttempts) }
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

    func enqueueVerificationEmail(to user: User, token: String, in tx: any StoreTransaction) async throws {
        let now = environment.clock.now()
        try await tx.users.insertToken(
            userId: user.id, purpose: .emailVerification, secretHash: Secrets.hash(token),
            expirationTime: now + Lifetime.emailVerification)
        let link = environment.links.emailVerification(token)
        try await tx.outbox.enqueue(EmailMessage(
            to: user.email ?? "", subject: "Confirm your email address",
            body: "Welcome! Please confirm your email address by opening this link:\n\(link)\n\nThe link is valid for 7 days.\n"
        ), at: now)
    }

    func enqueueSMSCode(to user: User, code: String, in tx: any StoreTransaction) async throws {
        let now = environment.clock.now()
        try await tx.users.insertToken(userId: user.id, purpose: .smsCode, secretHash: Secrets.hash(code), expirationTime: now + Lifetime.smsCode)
        try await tx.outbox.enqueue(SMSMessage(
            to: user.phoneNumber ?? "", body: "Your sign-in code is \(code). It expires in 10 minutes."
        ), at: now)
    }
}

extension AccountUseCases {
    /// A user record: the user themselves, or an admin key of the project (a `byou` key for BYOU).
    public func user(_ id: Int, by principal: Principal) async throws -> User {
        try await store.read { tx in try await self.accessibleUser(id, by: principal, in: tx) }
    }

    /// Renames a user or changes their password. A user changing their own password gives the
    /// current one (checked as a sign-in, so guesses are throttled); every other session and OAuth
    /// sign-in of the user then ends (the caller's own session stays), as after a password reset.
    public func updateUser(_ id: Int, _ changes: UserChanges, address: String?, by principal: Principal) async throws {
        let name = try changes.name.map { try Validation.text($0, field: "name", allowEmpty: true) }
        let firstName = try changes.firstName.map { try Validation.text($0, field: "first_name", maxLength: 128, allowEmpty: true) }
        let lastName = try changes.lastName.map { try Validation.text($0, field: "last_name", maxLength: 128, allowEmpty: true) }
        let email = try changes.email.map { try Validation.email($0) }
        if let password = changes.password { try Validation.password(password) }
        // The caller's own session survives its password change.
        var keptSession: Int?
        if case .user(_, _, let sessionId, _) = principal { keptSession = sessionId }
        if changes.password != nil, keptSession != nil {
            let user = try await self.user(id, by: principal)
            guard let email = user.email else { throw NimbusError.invalidInput(field: "password", reason: "this user has no password") }
            try await throttled(projectId: user.projectId, email, address: address) {
                try await Self.checkPassword(try Validation.required(changes.currentPassword, "currentPassword"), of: user)
            }
        }
        // Hashed once the current password is known to be right, so a wrong guess costs one bcrypt, not two.
        let passwordHash: String? = if let password = changes.password { await Secrets.hashPassword(password) } else { nil }
        let now = environment.clock.now()
        let kept = keptSession
        let revoked = try await store.write { tx -> [Int] in
            var user = try await self.accessibleUser(id, by: principal, in: tx)
            if let name { user.name = name }
            if firstName != nil || lastName != nil {
                user.firstName = firstName ?? user.firstName
                user.lastName = lastName ?? user.lastName
                if name == nil { user.name = User.name(firstName: user.firstName, lastName: user.lastName) }
            }
            if let email, email != user.email {
                guard user.email != nil else { throw NimbusError.invalidInput(field: "email", reason: "this user has no email address") }
                guard try await tx.users.find(projectId: user.projectId, email: email) == nil else { throw NimbusError.rejected(.emailInUse) }
                user.email = email
                user.verified = false
            }
            var revoked: [Int] = []
            if let passwordHash {
                guard user.email != nil else { throw NimbusError.invalidInput(field: "password", reason: "this user has no password") }
                user.passwordHash = passwordHash
                user.passwordUpdateTime = now
                revoked = try await tx.sessions.deleteAll(userId: user.id, except: kept)
            }
            try await tx.users.update(user)
            return revoked
        }
        for sessionId in revoked { environment.revoke(.session(sessionId)) }
    }

    /// What deleting a user does to the homes they are the last owner of.
    public enum OwnedHomes: Sendable {
        /// Refused (`LAST_OWNER`), as when they leave such a home: it would have no owner.
        case refuse
        /// Those with no other member are deleted with the user; one with other members is refused (WiFi Motion's
        /// `delete_claimed_network=false`).
        case deleteUnshared
        /// Deleted with the user, members and all (`delete_claimed_network=true`).
        case delete
    }

    /// Deletes a user, their memberships and sessions; their open connections close.
    public func deleteUser(_ id: Int, ownedHomes: OwnedHomes = .refuse, by principal: Principal) async throws {
        let sessions = try await store.write { tx in
            _ = try await self.accessibleUser(id, by: principal, in: tx)
            for home in try await tx.homes.list(memberUserId: id, page: PageRequest(skip: 0, limit: 10_000)).items {
                guard try await tx.homes.member(homeId: home.id, userId: id)?.role == .owner, try await tx.homes.ownerCount(homeId: home.id) <= 1 else {
                    continue
                }
                switch ownedHomes {
                case .refuse: throw NimbusError.rejected(.lastOwner)
                case .deleteUnshared where try await tx.homes.memberUserIds(homeId: home.id).count > 1: throw NimbusError.rejected(.lastOwner)
                case .deleteUnshared, .delete: try await tx.homes.delete(id: home.id)
                }
            }
            let sessions = try await tx.sessions.deleteAll(userId: id)
            try await tx.users.delete(id: id)
            return sessions
        }
        for session in sessions { environment.revoke(.session(session)) }
    }

    /// The users of a project, for an admin key.
    public func listUsers(projectId: Int, search: String?, page: PageRequest, by principal: Principal) async throws -> Page<User> {
        let key = try AccessPolicy.requireKey(principal, .admin)
        guard key.projectId == projectId else { throw NimbusError.permissionDenied }
        return try await store.read { tx in try await tx.users.list(projectId: projectId, search: search, page: page) }
    }

    func accessibleUser(_ id: Int, by principal: Principal, in tx: any StoreTransaction) async throws -> User {
        if case .anonymous = principal { throw NimbusError.authenticationRequired }
        guard let user = try await tx.users.get(id: id) else { throw NimbusError.notFound("user") }
        switch principal {
        case .system:
            return user
        case .anonymous:
            throw NimbusError.authenticationRequired
        case .device, .client:
            throw NimbusError.wrongCredentialKind
        case .user(let userId, _, _, _):
            guard userId == id else { throw NimbusError.notFound("user") }
            return user
        case .projectKey(_, let projectId, _, let permissions):
            guard projectId == user.projectId else { throw NimbusError.notFound("user") }
            let isBYOU = try await tx.projects.get(id: projectId)?.accountMode == .byou
            guard permissions.contains(.admin) || (isBYOU && permissions.contains(.byou)) else { throw NimbusError.permissionDenied }
            return user
        }
    }
}

extension AccountUseCases {
    /// A user record: the user themselves, or an admin key of the project (a `byou` key for BYOU).
    public func user(_ id: Int, by principal: Principal) async throws -> User {
        try await store.read { tx in try await self.accessibleUser(id, by: principal, in: tx) }
    }

    /// Renames a user or changes their password.
    public func updateUser(_ id: Int, _ changes: UserChanges, by principal: Principal) async throws {
        let name = try changes.name.map { try Validation.text($0, field: "name", allowEmpty: true) }
        let passwordHash: String? = try changes.password.map { password in
            try Validation.password(password)
            return Secrets.hashPassword(password)
        }
        let now = environment.clock.now()
        try await store.write { tx in
            var user = try await self.accessibleUser(id, by: principal, in: tx)
            if let name { user.name = name }
            if let passwordHash {
                guard user.email != nil else { throw NimbusError.invalidInput(field: "password", reason: "this user has no password") }
                user.passwordHash = passwordHash
                user.passwordUpdateTime = now
            }
            try await tx.users.update(user)
        }
    }

    /// Deletes a user, their memberships and sessions; their open connections close.
    public func deleteUser(_ id: Int, by principal: Principal) async throws {
        let sessions = try await store.write { tx in
            _ = try await self.accessibleUser(id, by: principal, in: tx)
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

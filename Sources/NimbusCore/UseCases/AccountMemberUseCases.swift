import Foundation

/// The multi-tenant walkthrough of Cayenne: an account (a home) has users, each with a role and
/// per-feature permission overrides. Managing them needs the `users` feature's permissions; the
/// permissions themselves are enforced by `AccessPolicy` for every dialect.
public struct AccountMemberUseCases: Sendable {
    let environment: CoreEnvironment
    var store: any Store { environment.store }

    /// A user of an account with what they may do.
    public struct AccountUser: Sendable, Hashable {
        public var member: HomeMember
        public var role: AccountRole
        /// The role's permissions with the overrides applied.
        public var permissions: Permissions
    }

    /// A sub-user to create.
    public struct NewUser: Sendable {
        public var firstName: String?
        public var lastName: String?
        public var email: String?
        public var password: String?
        public var roleId: Int?
        public var overrides: Permissions

        public init(firstName: String?, lastName: String?, email: String?, password: String?, roleId: Int?, overrides: Permissions) {
            self.firstName = firstName
            self.lastName = lastName
            self.email = email
            self.password = password
            self.roleId = roleId
            self.overrides = overrides
        }
    }

    /// Creates a user in the caller's account (`accountId`, or the caller's own) with a role (user by default).
    public func create(_ new: NewUser, accountId: Int?, by principal: Principal) async throws -> AccountUser {
        let firstName = try Validation.text(new.firstName ?? "", field: "first_name", maxLength: 128)
        let lastName = try Validation.text(new.lastName ?? "", field: "last_name", maxLength: 128)
        let email = try Validation.email(try Validation.required(new.email, "email"))
        let password = try Validation.required(new.password, "password")
        try Validation.password(password)
        let passwordHash = await Secrets.hashPassword(password)
        let now = environment.clock.now()
        return try await store.write { tx in
            let (home, caller) = try await self.account(accountId, of: principal, needs: .addEdit, in: tx)
            let role = try await self.grantableRole(new.roleId ?? AccountRole.user.id, in: home, by: caller, tx: tx)
            try await self.requireHeld(new.overrides, by: caller, in: tx)
            guard try await tx.users.find(projectId: home.projectId, email: email) == nil else { throw NimbusError.rejected(.emailInUse) }
            let user = try await tx.users.insert(User(
                id: 0, projectId: home.projectId, name: firstName + " " + lastName, email: email, passwordHash: passwordHash,
                verified: true, creationTime: now, passwordUpdateTime: now, firstName: firstName, lastName: lastName))
            try await tx.homes.addMember(homeId: home.id, userId: user.id, role: role.id == AccountRole.owner.id ? .owner : .member, at: now)
            try await tx.homes.setPermissions(homeId: home.id, userId: user.id, roleId: role.id, overrides: new.overrides)
            return try await self.accountUser(homeId: home.id, userId: user.id, in: tx)
        }
    }

    /// The users of the account.
    public func list(accountId: Int?, by principal: Principal) async throws -> [AccountUser] {
        try await store.read { tx in
            let (home, _) = try await self.account(accountId, of: principal, needs: .view, in: tx)
            var users: [AccountUser] = []
            for member in try await tx.homes.members(homeId: home.id, page: PageRequest(skip: 0, limit: 10_000)).items {
                users.append(try await self.describe(member, in: tx))
            }
            return users
        }
    }

    /// One user of the account: themselves, or anyone for a caller who may view users.
    public func get(_ userId: Int, accountId: Int?, by principal: Principal) async throws -> AccountUser {
        try await store.read { tx in
            let me = try AccessPolicy.requireUser(principal)
            let (home, _) = try await self.account(accountId, of: principal, needs: userId == me.userId ? [] : .view, in: tx)
            return try await self.accountUser(homeId: home.id, userId: userId, in: tx)
        }
    }

    /// Changes a user's role and overrides; takes effect at the user's next request. Nobody changes
    /// their own, and nobody grants what they do not hold.
    public func setPermissions(_ userId: Int, roleId: Int?, overrides: Permissions?, accountId: Int?, by principal: Principal) async throws -> AccountUser {
        try await store.write { tx in
            let (home, caller) = try await self.account(accountId, of: principal, needs: .addEdit, in: tx)
            guard userId != caller.user.id else { throw NimbusError.permissionDenied }
            if let overrides { try await self.requireHeld(overrides, by: caller, in: tx) }
            let target = try await self.accountUser(homeId: home.id, userId: userId, in: tx)
            if target.member.role == .owner && caller.role != .owner { throw NimbusError.permissionDenied }
            let role = try await roleId.asyncMap { try await self.grantableRole($0, in: home, by: caller, tx: tx) } ?? target.role
            if target.member.role == .owner, role.id != AccountRole.owner.id, try await tx.homes.ownerCount(homeId: home.id) <= 1 {
                throw NimbusError.rejected(.lastOwner)
            }
            try await tx.homes.setRole(homeId: home.id, userId: userId, role: role.id == AccountRole.owner.id ? .owner : .member)
            try await tx.homes.setPermissions(homeId: home.id, userId: userId, roleId: role.id, overrides: overrides ?? target.member.overrides)
            return try await self.accountUser(homeId: home.id, userId: userId, in: tx)
        }
    }

    /// Takes a user out of the account (the user record stays; it may belong to other accounts).
    public func remove(_ userId: Int, accountId: Int?, by principal: Principal) async throws {
        try await store.write { tx in
            let (home, caller) = try await self.account(accountId, of: principal, needs: .delete, in: tx)
            let target = try await self.accountUser(homeId: home.id, userId: userId, in: tx)
            if target.member.role == .owner {
                guard caller.role == .owner else { throw NimbusError.permissionDenied }
                guard try await tx.homes.ownerCount(homeId: home.id) > 1 else { throw NimbusError.rejected(.lastOwner) }
            }
            try await tx.homes.removeMember(homeId: home.id, userId: userId)
        }
    }

    /// The built-in roles and the account's own.
    public func roles(accountId: Int?, by principal: Principal) async throws -> [AccountRole] {
        try await store.read { tx in
            let (home, _) = try await self.account(accountId, of: principal, needs: [], in: tx)
            return AccountRole.builtIn + (try await tx.homes.roles(homeId: home.id))
        }
    }

    /// Makes a custom role for the account.
    public func createRole(name: String, permissions: Permissions, accountId: Int?, by principal: Principal) async throws -> AccountRole {
        let name = try Validation.text(name, field: "name", maxLength: 64)
        guard !AccountRole.builtIn.contains(where: { $0.name == name.lowercased() }) else { throw NimbusError.rejected(.alreadyExists) }
        let now = environment.clock.now()
        return try await store.write { tx in
            let (home, caller) = try await self.account(accountId, of: principal, needs: .addEdit, in: tx)
            try await self.requireHeld(permissions, by: caller, in: tx)
            guard try await !tx.homes.roles(homeId: home.id).contains(where: { $0.name == name }) else { throw NimbusError.rejected(.alreadyExists) }
            return try await tx.homes.insertRole(homeId: home.id, name: name, permissions: permissions, at: now)
        }
    }

    // MARK: - Rules

    /// The account a user acts in, checked for the `users` permission `needs` (`AccessPolicy.account`).
    func account(_ accountId: Int?, of principal: Principal, needs: Access, in tx: any StoreTransaction) async throws -> (Home, HomeMember) {
        try await AccessPolicy.account(accountId, of: principal, needs: needs.isEmpty ? nil : (.users, needs), in: tx)
    }

    /// A role the caller may hand out in this account: built-in or the account's own, granting nothing
    /// the caller does not hold; only an owner makes owners.
    func grantableRole(_ id: Int, in home: Home, by caller: HomeMember, tx: any StoreTransaction) async throws -> AccountRole {
        guard let role = try await AccessPolicy.role(id: id, in: tx), role.homeId == nil || role.homeId == home.id else {
            throw NimbusError.invalidInput(field: "permission_role_id", reason: "no such role in this account")
        }
        if role.id == AccountRole.owner.id && caller.role != .owner { throw NimbusError.permissionDenied }
        try await requireHeld(role.permissions, by: caller, in: tx)
        return role
    }

    /// Refuses to hand out a permission the caller does not hold themselves (an admin cannot grant
    /// `users: delete`, directly, through a role, or through a role they make).
    func requireHeld(_ granted: Permissions, by caller: HomeMember, in tx: any StoreTransaction) async throws {
        guard granted.isWithin(try await AccessPolicy.permissions(of: caller, in: tx)) else { throw NimbusError.permissionDenied }
    }

    func accountUser(homeId: Int, userId: Int, in tx: any StoreTransaction) async throws -> AccountUser {
        guard let member = try await tx.homes.member(homeId: homeId, userId: userId) else { throw NimbusError.notFound("user") }
        return try await describe(member, in: tx)
    }

    func describe(_ member: HomeMember, in tx: any StoreTransaction) async throws -> AccountUser {
        let role = try await AccessPolicy.role(id: member.effectiveRoleId, in: tx)
        let permissions = try await AccessPolicy.permissions(of: member, in: tx)
        return AccountUser(member: member, role: role ?? AccountRole(id: member.effectiveRoleId, homeId: member.homeId, name: "removed", permissions: Permissions()), permissions: permissions)
    }
}

/// The authorization rules for homes and devices, in one place so that every use case applies them
/// the same way. An object the caller may not know about is reported as not found; an object the
/// caller may see but not change is reported as permission denied.
enum AccessPolicy {
    /// What the caller wants to do with a home.
    enum HomeAccess {
        /// See it: any member, or any key of the project.
        case read
        /// Change what members share (KV, events): any member, or a key with the permission.
        case write(ProjectKey.Permission)
        /// Administer it: an owner, or a key with the permission.
        case manage(ProjectKey.Permission)
        /// Act as a person in it (provisioning): any member; keys are the wrong kind of caller.
        case memberOnly
    }

    /// Loads a home and checks that the principal may access it as asked; a member also needs the
    /// account permission `needs`, when given.
    static func home(
        _ id: Int, for principal: Principal, _ access: HomeAccess, needs: (Feature, Access)? = nil, in tx: any StoreTransaction
    ) async throws -> Home {
        // Who is asking is settled before anything is looked up, so that a caller without a
        // credential learns nothing, not even whether the id exists.
        if case .anonymous = principal { throw NimbusError.authenticationRequired }
        guard let home = try await tx.homes.get(id: id) else { throw NimbusError.notFound("home") }
        switch principal {
        case .system:
            return home
        case .anonymous:
            throw NimbusError.authenticationRequired
        case .device, .client:
            throw NimbusError.wrongCredentialKind
        case .user(let userId, let projectId, _, _):
            guard projectId == home.projectId, let member = try await tx.homes.member(homeId: id, userId: userId) else {
                throw NimbusError.notFound("home")
            }
            if case .manage = access, member.role != .owner { throw NimbusError.permissionDenied }
            if let (feature, needed) = needs { try await require(feature, needed, of: member, in: tx) }
            return home
        case .projectKey(_, let projectId, _, let permissions):
            guard projectId == home.projectId else { throw NimbusError.notFound("home") }
            switch access {
            case .read: return home
            case .write(let needed), .manage(let needed):
                guard permissions.contains(needed) else { throw NimbusError.permissionDenied }
                return home
            case .memberOnly: throw NimbusError.wrongCredentialKind
            }
        }
    }

    /// The Cayenne account a user acts in (the one asked for, else the first they own, else the first they belong
    /// to) and their membership, checked for the account permission `needs` when given.
    static func account(
        _ accountId: Int?, of principal: Principal, needs: (Feature, Access)?, in tx: any StoreTransaction
    ) async throws -> (Home, HomeMember) {
        let me = try requireUser(principal)
        let homeId: Int
        if let accountId {
            homeId = accountId
        } else {
            let homes = try await tx.homes.list(memberUserId: me.userId, page: PageRequest(skip: 0, limit: 100)).items
            var owned: Int?
            for home in homes where owned == nil {
                if try await tx.homes.member(homeId: home.id, userId: me.userId)?.role == .owner { owned = home.id }
            }
            guard let first = owned ?? homes.first?.id else { throw NimbusError.notFound("account") }
            homeId = first
        }
        let home = try await self.home(homeId, for: principal, .read, needs: needs, in: tx)
        guard let member = try await tx.homes.member(homeId: homeId, userId: me.userId) else { throw NimbusError.notFound("account") }
        return (home, member)
    }

    /// What the caller wants to do with a device.
    enum DeviceAccess {
        /// See it: the device, a member of its home, any key of the project.
        case read
        /// Change its shared data (KV): the device, a member, or a key with the permission.
        case write(ProjectKey.Permission)
        /// Administer it (rename) or command it: a member, or a key with the permission.
        case control(ProjectKey.Permission)
        /// Delete it: a member allowed to delete devices, or a key with the permission.
        case remove(ProjectKey.Permission)
        /// Only the device itself (events, its command channel, registration).
        case selfOnly
    }

    /// Loads a device and checks that the principal may access it as asked.
    static func device(
        _ id: Int, for principal: Principal, _ access: DeviceAccess, in tx: any StoreTransaction
    ) async throws -> Device {
        // The kind of caller is settled before the lookup, as for homes; the switch below still
        // names these cases only because it must be exhaustive.
        switch (principal, access) {
        case (.anonymous, _): throw NimbusError.authenticationRequired
        case (.user, .selfOnly), (.projectKey, .selfOnly), (.client, _): throw NimbusError.wrongCredentialKind
        default: break
        }
        guard let device = try await tx.devices.get(id: id) else { throw NimbusError.notFound("device") }
        switch principal {
        case .system:
            return device
        case .anonymous:
            throw NimbusError.authenticationRequired
        case .client:
            throw NimbusError.wrongCredentialKind
        case .device(let deviceId, _):
            guard deviceId == device.id else {
                // Another device's id: a device may not even learn that it exists.
                throw NimbusError.notFound("device")
            }
            switch access {
            case .control, .remove: throw NimbusError.wrongCredentialKind
            default: return device
            }
        case .user(let userId, let projectId, _, _):
            guard projectId == device.projectId, let homeId = device.homeId,
                let member = try await tx.homes.member(homeId: homeId, userId: userId)
            else { throw NimbusError.notFound("device") }
            let needed: Access =
                switch access {
                case .read: .view
                case .write, .control: .addEdit
                case .remove: .delete
                case .selfOnly: .all  // refused above
                }
            try await require(.devices, needed, of: member, in: tx)
            return device
        case .projectKey(_, let projectId, _, let permissions):
            guard projectId == device.projectId else { throw NimbusError.notFound("device") }
            switch access {
            case .read: return device
            case .write(let needed), .control(let needed), .remove(let needed):
                guard permissions.contains(needed) else { throw NimbusError.permissionDenied }
                return device
            case .selfOnly: throw NimbusError.wrongCredentialKind
            }
        }
    }

    /// Refuses a member whose account permissions lack `access` to `feature`.
    static func require(_ feature: Feature, _ access: Access, of member: HomeMember, in tx: any StoreTransaction) async throws {
        guard try await permissions(of: member, in: tx).allows(feature, access) else { throw NimbusError.permissionDenied }
    }

    /// A member's permissions: their role's, with their overrides applied (an owner's are never overridden).
    static func permissions(of member: HomeMember, in tx: any StoreTransaction) async throws -> Permissions {
        let roleId = member.effectiveRoleId
        if roleId == AccountRole.owner.id { return AccountRole.owner.permissions }
        // A custom role that was removed grants nothing rather than falling back to something broader.
        let role = try await role(id: roleId, in: tx)
        return (role?.permissions ?? Permissions()).overridden(by: member.overrides)
    }

    /// A built-in role, or a custom role from the store.
    static func role(id: Int, in tx: any StoreTransaction) async throws -> AccountRole? {
        if let builtIn = AccountRole.builtIn(id: id) { return builtIn }
        return try await tx.homes.role(id: id)
    }

    /// The user behind a user principal; other kinds of caller are refused.
    static func requireUser(_ principal: Principal) throws -> (userId: Int, projectId: Int) {
        switch principal {
        case .user(let userId, let projectId, _, _): return (userId, projectId)
        case .anonymous: throw NimbusError.authenticationRequired
        default: throw NimbusError.wrongCredentialKind
        }
    }

    /// The device behind a device principal (a device's own key); other kinds of caller are refused.
    static func requireDevice(_ principal: Principal) throws -> Int {
        switch principal {
        case .device(let deviceId, _): return deviceId
        case .anonymous: throw NimbusError.authenticationRequired
        default: throw NimbusError.wrongCredentialKind
        }
    }

    /// The session behind a user principal.
    static func requireSession(_ principal: Principal) throws -> Int {
        guard case .user(_, _, let sessionId, _) = principal else {
            _ = try requireUser(principal)
            throw NimbusError.wrongCredentialKind
        }
        return sessionId
    }

    /// The project key behind a principal, with the permission checked.
    static func requireKey(_ principal: Principal, _ permission: ProjectKey.Permission) throws -> (keyId: Int, projectId: Int, name: String) {
        switch principal {
        case .projectKey(let keyId, let projectId, let name, let permissions):
            guard permissions.contains(permission) else { throw NimbusError.permissionDenied }
            return (keyId, projectId, name)
        case .anonymous: throw NimbusError.authenticationRequired
        default: throw NimbusError.wrongCredentialKind
        }
    }

    static func requireSystem(_ principal: Principal) throws {
        guard case .system = principal else { throw NimbusError.permissionDenied }
    }
}

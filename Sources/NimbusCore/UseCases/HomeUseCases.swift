import Foundation

/// Homes, their members and the smart modules visible in them.
public struct HomeUseCases: Sendable {
    let environment: CoreEnvironment
    var store: any Store { environment.store }

    /// Homes of a user (a user may ask only for their own), or all homes of a project (a project key).
    public func list(userId: Int?, projectId: Int?, page: PageRequest, by principal: Principal) async throws -> Page<Home> {
        try await store.read { tx in
            switch principal {
            case .user(let me, _, _, _):
                guard userId == nil || userId == me else { throw NimbusError.permissionDenied }
                return try await tx.homes.list(memberUserId: me, page: page)
            case .projectKey(_, let keyProject, _, _):
                if let userId {
                    guard let user = try await tx.users.get(id: userId), user.projectId == keyProject else { throw NimbusError.notFound("user") }
                    return try await tx.homes.list(memberUserId: userId, page: page)
                }
                guard projectId == nil || projectId == keyProject else { throw NimbusError.permissionDenied }
                return try await tx.homes.list(projectId: keyProject, page: page)
            case .anonymous: throw NimbusError.authenticationRequired
            case .device, .client, .system: throw NimbusError.wrongCredentialKind
            }
        }
    }

    /// Creates a home whose owner is the calling user.
    public func create(name rawName: String, by principal: Principal) async throws -> Home {
        let (userId, projectId) = try AccessPolicy.requireUser(principal)
        let name = try Validation.text(rawName, field: "name")
        let now = environment.clock.now()
        return try await store.write { tx in
            let home = try await tx.homes.insert(projectId: projectId, name: name, at: now)
            try await tx.homes.addMember(homeId: home.id, userId: userId, role: .owner, at: now)
            return home
        }
    }

    public func get(_ id: Int, by principal: Principal) async throws -> Home {
        try await store.read { tx in try await AccessPolicy.home(id, for: principal, .read, in: tx) }
    }

    /// Renames a home (owners, admin keys) or (de)activates it (admin keys only).
    public func update(_ id: Int, name: String?, deactivated: Bool?, by principal: Principal) async throws {
        let name = try name.map { try Validation.text($0, field: "name") }
        if deactivated != nil, case .user = principal { throw NimbusError.permissionDenied }
        try await store.write { tx in
            var home = try await AccessPolicy.home(id, for: principal, .manage(.admin), in: tx)
            if let name { home.name = name }
            if let deactivated { home.deactivated = deactivated }
            try await tx.homes.update(home)
        }
    }

    /// Deletes a home with its members and key-value pairs; its devices leave it.
    public func delete(_ id: Int, by principal: Principal) async throws {
        try await store.write { tx in
            _ = try await AccessPolicy.home(id, for: principal, .manage(.admin), in: tx)
            try await tx.homes.delete(id: id)
        }
    }

    public func members(of homeId: Int, page: PageRequest, by principal: Principal) async throws -> Page<HomeMember> {
        try await store.read { tx in
            _ = try await AccessPolicy.home(homeId, for: principal, .read, in: tx)
            return try await tx.homes.members(homeId: homeId, page: page)
        }
    }

    public func member(of homeId: Int, userId: Int, by principal: Principal) async throws -> HomeMember {
        try await store.read { tx in
            _ = try await AccessPolicy.home(homeId, for: principal, .read, in: tx)
            guard let member = try await tx.homes.member(homeId: homeId, userId: userId) else { throw NimbusError.notFound("member") }
            return member
        }
    }

    /// Who to add to a home, by the identifier the project's account mode uses.
    public enum Invitee: Sendable {
        case email(String)
        case phoneNumber(String)
        case userId(Int)
    }

    /// Adds a member. An email or number without a user yet gets an unverified placeholder user; email
    /// projects send that person an invitation (counted by the message limits, from `address`).
    public func addMember(to homeId: Int, _ invitee: Invitee, role: HomeMember.Role, address: String?, by principal: Principal) async throws -> HomeMember {
        let now = environment.clock.now()
        let (member, invited) = try await store.write { tx -> (HomeMember, Bool) in
            let home = try await AccessPolicy.home(homeId, for: principal, .manage(.admin), in: tx)
            guard let project = try await tx.projects.get(id: home.projectId) else { throw NimbusError.notFound("project") }
            var invited = false
            let user: User
            switch (project.accountMode, invitee) {
            case (.email, .email(let raw)):
                let email = try Validation.email(raw)
                if let existing = try await tx.users.find(projectId: project.id, email: email) {
                    user = existing
                } else {
                    user = try await tx.users.insert(User(id: 0, projectId: project.id, name: "", email: email, verified: false, creationTime: now))
                }
                invited = true
                try await self.environment.messageThrottle.admit(email, address: address, at: now, in: tx)
                try await tx.outbox.enqueue(EmailMessage(
                    to: email, subject: "You were added to \(home.name)",
                    body: "You are now a member of the home \"\(home.name)\". Sign in to the app with this email address to see it.\n"
                ), at: now)
            case (.phone, .phoneNumber(let raw)):
                let phone = try Validation.phoneNumber(raw)
                if let existing = try await tx.users.find(projectId: project.id, phoneNumber: phone) {
                    user = existing
                } else {
                    user = try await tx.users.insert(User(id: 0, projectId: project.id, name: "", phoneNumber: phone, verified: false, creationTime: now))
                }
            case (.byou, .userId(let id)), (.email, .userId(let id)), (.phone, .userId(let id)):
                guard let existing = try await tx.users.get(id: id), existing.projectId == project.id else {
                    throw NimbusError.rejected(.unknownUser)
                }
                user = existing
            case (.email, _):
                throw NimbusError.invalidInput(field: "email", reason: "required")
            case (.phone, _):
                throw NimbusError.invalidInput(field: "phoneNumber", reason: "required")
            case (.byou, _):
                throw NimbusError.invalidInput(field: "userId", reason: "required")
            }
            guard try await tx.homes.member(homeId: homeId, userId: user.id) == nil else { throw NimbusError.rejected(.memberExists) }
            try await tx.homes.addMember(homeId: homeId, userId: user.id, role: role, at: now)
            return (HomeMember(homeId: homeId, user: user, role: role, creationTime: now), invited)
        }
        if invited { environment.outboxSignal() }
        return member
    }

    /// Changes a member's role; the last owner cannot step down.
    public func setRole(of userId: Int, in homeId: Int, to role: HomeMember.Role, by principal: Principal) async throws {
        try await store.write { tx in
            _ = try await AccessPolicy.home(homeId, for: principal, .manage(.admin), in: tx)
            guard let member = try await tx.homes.member(homeId: homeId, userId: userId) else { throw NimbusError.notFound("member") }
            if member.role == .owner, role != .owner, try await tx.homes.ownerCount(homeId: homeId) <= 1 {
                throw NimbusError.rejected(.lastOwner)
            }
            try await tx.homes.setRole(homeId: homeId, userId: userId, role: role)
        }
    }

    /// Removes a member: an owner removes anyone, a member may leave; the last owner cannot go.
    public func removeMember(_ userId: Int, from homeId: Int, by principal: Principal) async throws {
        let isLeaving: Bool
        if case .user(let me, _, _, _) = principal { isLeaving = me == userId } else { isLeaving = false }
        try await store.write { tx in
            _ = try await AccessPolicy.home(homeId, for: principal, isLeaving ? .read : .manage(.admin), in: tx)
            guard let member = try await tx.homes.member(homeId: homeId, userId: userId) else { throw NimbusError.notFound("member") }
            if member.role == .owner, try await tx.homes.ownerCount(homeId: homeId) <= 1 {
                throw NimbusError.rejected(.lastOwner)
            }
            try await tx.homes.removeMember(homeId: homeId, userId: userId)
        }
    }

    /// The smart modules of the home's project.
    public func smartModules(of homeId: Int, by principal: Principal) async throws -> [SmartModule] {
        try await store.read { tx in
            let home = try await AccessPolicy.home(homeId, for: principal, .read, in: tx)
            return try await tx.smartModules.list(projectId: home.projectId)
        }
    }

    public func smartModule(_ moduleId: String, of homeId: Int, by principal: Principal) async throws -> SmartModule {
        try await store.read { tx in
            let home = try await AccessPolicy.home(homeId, for: principal, .read, in: tx)
            guard let module = try await tx.smartModules.get(projectId: home.projectId, id: moduleId) else { throw NimbusError.notFound("smartModule") }
            return module
        }
    }
}

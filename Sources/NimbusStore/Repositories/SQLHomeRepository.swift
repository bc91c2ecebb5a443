import Foundation
import NimbusCore
import SQLKit

struct SQLHomeRepository: HomeRepository {
    let db: any SQLDatabase

    func insert(projectId: Int, name: String, at time: Date) async throws -> Home {
        let id = try await db.insertReturningId("""
            INSERT INTO homes (project_id, name, deactivated, creation_time) VALUES (\(bind: projectId), \(bind: name), \(bind: false), \(bind: time))
            """)
        return Home(id: id, projectId: projectId, name: name, deactivated: false, creationTime: time)
    }

    func get(id: Int) async throws -> Home? {
        try await db.raw("SELECT * FROM homes WHERE id = \(bind: id)").first().map(Self.home)
    }

    func update(_ home: Home) async throws {
        try await db.raw("UPDATE homes SET name = \(bind: home.name), deactivated = \(bind: home.deactivated) WHERE id = \(bind: home.id)").run()
    }

    func delete(id: Int) async throws {
        // Key-value pairs are keyed by scope rather than by a foreign key, so they go explicitly.
        try await db.raw("DELETE FROM key_values WHERE scope IN ('home', 'home_settings') AND owner_id = \(bind: id)").run()
        try await db.raw("DELETE FROM homes WHERE id = \(bind: id)").run()
    }

    func list(projectId: Int, page: PageRequest) async throws -> Page<Home> {
        try await db.page(
            "SELECT * FROM homes WHERE project_id = \(bind: projectId) ORDER BY id",
            count: "SELECT COUNT(*) AS n FROM homes WHERE project_id = \(bind: projectId)", page: page, map: Self.home)
    }

    func list(memberUserId: Int, page: PageRequest) async throws -> Page<Home> {
        try await db.page(
            "SELECT h.* FROM homes h JOIN home_members m ON m.home_id = h.id WHERE m.user_id = \(bind: memberUserId) ORDER BY h.id",
            count: "SELECT COUNT(*) AS n FROM home_members WHERE user_id = \(bind: memberUserId)", page: page, map: Self.home)
    }

    func addMember(homeId: Int, userId: Int, role: HomeMember.Role, at time: Date) async throws {
        try await db.raw("""
            INSERT INTO home_members (home_id, user_id, role, creation_time) VALUES (\(bind: homeId), \(bind: userId), \(bind: role.rawValue), \(bind: time))
            """).run()
    }

    func member(homeId: Int, userId: Int) async throws -> HomeMember? {
        try await db.raw(Self.selectMembers + " WHERE m.home_id = \(bind: homeId) AND m.user_id = \(bind: userId)").first().map(Self.member)
    }

    func members(homeId: Int, page: PageRequest) async throws -> Page<HomeMember> {
        try await db.page(
            Self.selectMembers + " WHERE m.home_id = \(bind: homeId) ORDER BY m.creation_time, u.id",
            count: "SELECT COUNT(*) AS n FROM home_members WHERE home_id = \(bind: homeId)", page: page, map: Self.member)
    }

    func memberUserIds(homeId: Int) async throws -> [Int] {
        try await db.raw("SELECT user_id FROM home_members WHERE home_id = \(bind: homeId)").all().map { try $0.column("user_id") }
    }

    func ownerCount(homeId: Int) async throws -> Int {
        try await db.raw("SELECT COUNT(*) AS n FROM home_members WHERE home_id = \(bind: homeId) AND role = 'owner'").first()?.column("n") ?? 0
    }

    func setRole(homeId: Int, userId: Int, role: HomeMember.Role) async throws {
        try await db.raw("UPDATE home_members SET role = \(bind: role.rawValue) WHERE home_id = \(bind: homeId) AND user_id = \(bind: userId)").run()
    }

    func setPermissions(homeId: Int, userId: Int, roleId: Int?, overrides: Permissions) async throws {
        try await db.raw("""
            UPDATE home_members SET account_role_id = \(bind: roleId), permissions = \(bind: overrides.jsonValue.jsonText)
            WHERE home_id = \(bind: homeId) AND user_id = \(bind: userId)
            """).run()
    }

    /// Custom roles are numbered from 101 on the wire (row id + 100), so they never meet the built-in 1-3.
    static let roleIdOffset = 100

    func insertRole(homeId: Int, name: String, permissions: Permissions, at time: Date) async throws -> AccountRole {
        let rowId = try await db.insertReturningId("""
            INSERT INTO account_roles (home_id, name, permissions, creation_time)
            VALUES (\(bind: homeId), \(bind: name), \(bind: permissions.jsonValue.jsonText), \(bind: time))
            """)
        return AccountRole(id: rowId + Self.roleIdOffset, homeId: homeId, name: name, permissions: permissions)
    }

    func role(id: Int) async throws -> AccountRole? {
        guard id > Self.roleIdOffset else { return nil }
        return try await db.raw("SELECT * FROM account_roles WHERE id = \(bind: id - Self.roleIdOffset)").first().map(Self.role)
    }

    func roles(homeId: Int) async throws -> [AccountRole] {
        try await db.raw("SELECT * FROM account_roles WHERE home_id = \(bind: homeId) ORDER BY id").all().map(Self.role)
    }

    static func role(_ row: any SQLRow) throws -> AccountRole {
        AccountRole(
            id: try row.column("id", as: Int.self) + roleIdOffset, homeId: try row.column("home_id"), name: try row.column("name"),
            permissions: try Permissions(jsonValue: try row.json("permissions")))
    }

    func removeMember(homeId: Int, userId: Int) async throws {
        try await db.raw("DELETE FROM home_members WHERE home_id = \(bind: homeId) AND user_id = \(bind: userId)").run()
    }

    static func home(_ row: any SQLRow) throws -> Home {
        Home(
            id: try row.column("id"), projectId: try row.column("project_id"), name: try row.column("name"),
            deactivated: try row.column("deactivated"), creationTime: try row.column("creation_time"))
    }

    /// The columns `member(_:)` reads: the user's, and the membership's.
    static let selectMembers: SQLQueryString = """
        SELECT u.*, m.home_id, m.role, m.creation_time AS member_since, m.account_role_id, m.permissions AS member_permissions
        FROM home_members m JOIN users u ON u.id = m.user_id
        """

    static func member(_ row: any SQLRow) throws -> HomeMember {
        guard let role = HomeMember.Role(rawValue: try row.column("role")) else { throw StoreError.unexpectedRow("member role") }
        return HomeMember(
            homeId: try row.column("home_id"), user: try SQLUserRepository.user(row), role: role, creationTime: try row.column("member_since"),
            accountRoleId: try row.column("account_role_id"), overrides: try Permissions(jsonValue: try row.json("member_permissions")))
    }
}

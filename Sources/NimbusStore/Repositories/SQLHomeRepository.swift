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
        try await db.raw("DELETE FROM key_values WHERE scope = 'home' AND owner_id = \(bind: id)").run()
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
        try await db.raw("""
            SELECT u.*, m.home_id, m.role, m.creation_time AS member_since FROM home_members m JOIN users u ON u.id = m.user_id
            WHERE m.home_id = \(bind: homeId) AND m.user_id = \(bind: userId)
            """).first().map(Self.member)
    }

    func members(homeId: Int, page: PageRequest) async throws -> Page<HomeMember> {
        try await db.page(
            """
            SELECT u.*, m.home_id, m.role, m.creation_time AS member_since FROM home_members m JOIN users u ON u.id = m.user_id
            WHERE m.home_id = \(bind: homeId) ORDER BY m.creation_time, u.id
            """,
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

    func removeMember(homeId: Int, userId: Int) async throws {
        try await db.raw("DELETE FROM home_members WHERE home_id = \(bind: homeId) AND user_id = \(bind: userId)").run()
    }

    static func home(_ row: any SQLRow) throws -> Home {
        Home(
            id: try row.column("id"), projectId: try row.column("project_id"), name: try row.column("name"),
            deactivated: try row.column("deactivated"), creationTime: try row.column("creation_time"))
    }

    static func member(_ row: any SQLRow) throws -> HomeMember {
        guard let role = HomeMember.Role(rawValue: try row.column("role")) else { throw StoreError.unexpectedRow("member role") }
        return HomeMember(homeId: try row.column("home_id"), user: try SQLUserRepository.user(row), role: role, creationTime: try row.column("member_since"))
    }
}

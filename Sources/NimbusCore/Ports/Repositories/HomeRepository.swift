import Foundation

/// Homes and their members.
public protocol HomeRepository: Sendable {
    func insert(projectId: Int, name: String, at time: Date) async throws -> Home
    func get(id: Int) async throws -> Home?
    func update(_ home: Home) async throws
    func delete(id: Int) async throws
    func list(projectId: Int, page: PageRequest) async throws -> Page<Home>
    func list(memberUserId: Int, page: PageRequest) async throws -> Page<Home>
    func addMember(homeId: Int, userId: Int, role: HomeMember.Role, at time: Date) async throws
    func member(homeId: Int, userId: Int) async throws -> HomeMember?
    func members(homeId: Int, page: PageRequest) async throws -> Page<HomeMember>
    func memberUserIds(homeId: Int) async throws -> [Int]
    func ownerCount(homeId: Int) async throws -> Int
    func setRole(homeId: Int, userId: Int, role: HomeMember.Role) async throws
    func removeMember(homeId: Int, userId: Int) async throws
    /// Sets a member's account role and permission overrides.
    func setPermissions(homeId: Int, userId: Int, roleId: Int?, overrides: Permissions) async throws
    func insertRole(homeId: Int, name: String, permissions: Permissions, at time: Date) async throws -> AccountRole
    func role(id: Int) async throws -> AccountRole?
    func roles(homeId: Int) async throws -> [AccountRole]
}

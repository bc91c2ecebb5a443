import Foundation

/// End users and the single-use tokens sent to them.
public protocol UserRepository: Sendable {
    /// Inserts a user; `user.id` is ignored and the stored user is returned.
    func insert(_ user: User) async throws -> User
    func get(id: Int) async throws -> User?
    func find(projectId: Int, email: String) async throws -> User?
    func find(projectId: Int, phoneNumber: String) async throws -> User?
    /// Users of any project with this address (a few at most), oldest first.
    func find(email: String) async throws -> [User]
    func update(_ user: User) async throws
    func delete(id: Int) async throws
    func list(projectId: Int, search: String?, page: PageRequest) async throws -> Page<User>
    func insertToken(userId: Int, purpose: UserToken.Purpose, secretHash: String, expirationTime: Date) async throws
    func token(purpose: UserToken.Purpose, secretHash: String) async throws -> UserToken?
    /// The newest unused token of that purpose for the user.
    func latestToken(userId: Int, purpose: UserToken.Purpose) async throws -> UserToken?
    /// The wrong attempts at the user's tokens of that purpose that expire after `time`, used or not.
    func failedAttempts(userId: Int, purpose: UserToken.Purpose, expiringAfter time: Date) async throws -> Int
    func updateToken(_ token: UserToken) async throws
}

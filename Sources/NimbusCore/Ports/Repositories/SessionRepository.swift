import Foundation

/// User sessions.
public protocol SessionRepository: Sendable {
    func insert(userId: Int, projectId: Int, appId: String?, tokenHash: String, at time: Date) async throws -> Session
    func find(tokenHash: String) async throws -> Session?
    func find(id: Int) async throws -> Session?
    func delete(id: Int) async throws
    /// Deletes every session of the user but `kept` and returns their ids.
    func deleteAll(userId: Int, except kept: Int?) async throws -> [Int]
}

extension SessionRepository {
    /// Deletes every session of the user and returns their ids.
    public func deleteAll(userId: Int) async throws -> [Int] {
        try await deleteAll(userId: userId, except: nil)
    }
}

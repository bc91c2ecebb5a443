import Foundation
import NimbusCore
import SQLKit

struct SQLSessionRepository: SessionRepository {
    let db: any SQLDatabase

    func insert(userId: Int, projectId: Int, appId: String?, tokenHash: String, at time: Date) async throws -> Session {
        let id = try await db.insertReturningId("""
            INSERT INTO sessions (user_id, project_id, app_id, token_hash, creation_time)
            VALUES (\(bind: userId), \(bind: projectId), \(bind: appId), \(bind: tokenHash), \(bind: time))
            """)
        return Session(id: id, userId: userId, projectId: projectId, appId: appId, tokenHash: tokenHash, creationTime: time)
    }

    func find(tokenHash: String) async throws -> Session? {
        try await db.raw("SELECT * FROM sessions WHERE token_hash = \(bind: tokenHash)").first().map(Self.session)
    }

    func find(id: Int) async throws -> Session? {
        try await db.raw("SELECT * FROM sessions WHERE id = \(bind: id)").first().map(Self.session)
    }

    func delete(id: Int) async throws {
        try await db.raw("DELETE FROM sessions WHERE id = \(bind: id)").run()
    }

    func deleteAll(userId: Int, except kept: Int?) async throws -> [Int] {
        try await db.raw("""
            DELETE FROM sessions WHERE user_id = \(bind: userId) AND id <> \(bind: kept ?? 0) RETURNING id
            """).all().map { try $0.column("id") }
    }

    static func session(_ row: any SQLRow) throws -> Session {
        Session(
            id: try row.column("id"), userId: try row.column("user_id"), projectId: try row.column("project_id"),
            appId: try row.column("app_id"), tokenHash: try row.column("token_hash"), creationTime: try row.column("creation_time"))
    }
}

import Foundation
import NimbusCore
import SQLKit

struct SQLUserRepository: UserRepository {
    let db: any SQLDatabase

    func insert(_ user: User) async throws -> User {
        var stored = user
        stored.id = try await db.insertReturningId("""
            INSERT INTO users (project_id, name, email, phone_number, external_key, password_hash, verified, creation_time, password_update_time,
                               first_name, last_name, last_sign_in_time)
            VALUES (\(bind: user.projectId), \(bind: user.name), \(bind: user.email), \(bind: user.phoneNumber), \(bind: user.externalKey),
                    \(bind: user.passwordHash), \(bind: user.verified), \(bind: user.creationTime), \(bind: user.passwordUpdateTime),
                    \(bind: user.firstName), \(bind: user.lastName), \(bind: user.lastSignInTime))
            """)
        return stored
    }

    func get(id: Int) async throws -> User? {
        try await db.raw("SELECT * FROM users WHERE id = \(bind: id)").first().map(Self.user)
    }

    func find(projectId: Int, email: String) async throws -> User? {
        try await db.raw("SELECT * FROM users WHERE project_id = \(bind: projectId) AND email = \(bind: email)").first().map(Self.user)
    }

    func find(email: String) async throws -> [User] {
        try await db.raw("SELECT * FROM users WHERE email = \(bind: email) ORDER BY id LIMIT 10").all().map(Self.user)
    }

    func find(projectId: Int, phoneNumber: String) async throws -> User? {
        try await db.raw("SELECT * FROM users WHERE project_id = \(bind: projectId) AND phone_number = \(bind: phoneNumber)").first().map(Self.user)
    }

    func update(_ user: User) async throws {
        try await db.raw("""
            UPDATE users SET name = \(bind: user.name), email = \(bind: user.email), phone_number = \(bind: user.phoneNumber),
                external_key = \(bind: user.externalKey), password_hash = \(bind: user.passwordHash), verified = \(bind: user.verified),
                password_update_time = \(bind: user.passwordUpdateTime), first_name = \(bind: user.firstName),
                last_name = \(bind: user.lastName), last_sign_in_time = \(bind: user.lastSignInTime)
            WHERE id = \(bind: user.id)
            """).run()
    }

    func delete(id: Int) async throws {
        try await db.raw("DELETE FROM users WHERE id = \(bind: id)").run()
    }

    func list(projectId: Int, search: String?, page: PageRequest) async throws -> Page<User> {
        // The search text is a bound parameter; `%` and `_` in it are escaped so it matches literally.
        let pattern = "%" + (search ?? "").replacingOccurrences(of: "\\", with: "\\\\")
            .replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_") + "%"
        let filter: SQLQueryString = """
            project_id = \(bind: projectId) AND (LOWER(name) LIKE LOWER(\(bind: pattern)) ESCAPE '\\'
                OR LOWER(COALESCE(email, '')) LIKE LOWER(\(bind: pattern)) ESCAPE '\\'
                OR COALESCE(phone_number, '') LIKE \(bind: pattern) ESCAPE '\\')
            """
        return try await db.page(
            "SELECT * FROM users WHERE " + filter + " ORDER BY id",
            count: "SELECT COUNT(*) AS n FROM users WHERE " + filter, page: page, map: Self.user)
    }

    func insertToken(userId: Int, purpose: UserToken.Purpose, secretHash: String, expirationTime: Date) async throws {
        try await db.raw("""
            INSERT INTO user_tokens (user_id, purpose, secret_hash, expiration_time, failed_attempts, used)
            VALUES (\(bind: userId), \(bind: purpose.rawValue), \(bind: secretHash), \(bind: expirationTime), 0, \(bind: false))
            """).run()
    }

    func token(purpose: UserToken.Purpose, secretHash: String) async throws -> UserToken? {
        try await db.raw("SELECT * FROM user_tokens WHERE purpose = \(bind: purpose.rawValue) AND secret_hash = \(bind: secretHash)").first().map(Self.token)
    }

    func latestToken(userId: Int, purpose: UserToken.Purpose) async throws -> UserToken? {
        try await db.raw("""
            SELECT * FROM user_tokens WHERE user_id = \(bind: userId) AND purpose = \(bind: purpose.rawValue) AND used = \(bind: false)
            ORDER BY id DESC LIMIT 1
            """).first().map(Self.token)
    }

    func failedAttempts(userId: Int, purpose: UserToken.Purpose, expiringAfter time: Date) async throws -> Int {
        // PostgreSQL sums BIGINT as NUMERIC; the cast keeps the column an integer on both backends.
        try await db.raw("""
            SELECT CAST(COALESCE(SUM(failed_attempts), 0) AS BIGINT) AS failed FROM user_tokens
            WHERE user_id = \(bind: userId) AND purpose = \(bind: purpose.rawValue) AND expiration_time > \(bind: time)
            """).first()?.column("failed") ?? 0
    }

    func updateToken(_ token: UserToken) async throws {
        try await db.raw("""
            UPDATE user_tokens SET failed_attempts = \(bind: token.failedAttempts), used = \(bind: token.used) WHERE id = \(bind: token.id)
            """).run()
    }

    static func user(_ row: any SQLRow) throws -> User {
        User(
            id: try row.column("id"), projectId: try row.column("project_id"), name: try row.column("name"),
            email: try row.column("email"), phoneNumber: try row.column("phone_number"), externalKey: try row.column("external_key"),
            passwordHash: try row.column("password_hash"), verified: try row.column("verified"),
            creationTime: try row.column("creation_time"), passwordUpdateTime: try row.column("password_update_time"),
            firstName: try row.column("first_name"), lastName: try row.column("last_name"), lastSignInTime: try row.column("last_sign_in_time"))
    }

    static func token(_ row: any SQLRow) throws -> UserToken {
        guard let purpose = UserToken.Purpose(rawValue: try row.column("purpose")) else { throw StoreError.unexpectedRow("token purpose") }
        return UserToken(
            id: try row.column("id"), userId: try row.column("user_id"), purpose: purpose, secretHash: try row.column("secret_hash"),
            expirationTime: try row.column("expiration_time"), failedAttempts: try row.column("failed_attempts"), used: try row.column("used"))
    }
}

import Foundation
import NimbusCore
import SQLKit

struct SQLOAuthRepository: OAuthRepository {
    let db: any SQLDatabase

    func signingKeys() async throws -> [SigningKey] {
        try await db.raw("SELECT * FROM signing_keys ORDER BY creation_time, id").all().map { row in
            let encoded: String = try row.column("private_key")
            guard let key = Data(base64Encoded: encoded) else { throw StoreError.unexpectedRow("signing key is not base64") }
            return SigningKey(
                id: try row.column("id"), algorithm: try row.column("algorithm"), privateKey: Array(key),
                creationTime: try row.column("creation_time"))
        }
    }

    func insertSigningKey(_ key: SigningKey) async throws {
        try await db.raw("""
            INSERT INTO signing_keys (id, algorithm, private_key, creation_time)
            VALUES (\(bind: key.id), \(bind: key.algorithm), \(bind: Data(key.privateKey).base64EncodedString()), \(bind: key.creationTime))
            """).run()
    }

    func insertCode(_ code: AuthorizationCode) async throws {
        try await db.raw("""
            INSERT INTO oauth_codes (code_hash, app_id, user_id, redirect_uri, scope, code_challenge, expiration_time, used)
            VALUES (\(bind: code.codeHash), \(bind: code.appId), \(bind: code.userId), \(bind: code.redirectURI), \(bind: code.scope),
                    \(bind: code.codeChallenge), \(bind: code.expirationTime), \(bind: code.used))
            """).run()
    }

    func code(hash: String) async throws -> AuthorizationCode? {
        try await db.raw("SELECT * FROM oauth_codes WHERE code_hash = \(bind: hash)").first().map { row in
            AuthorizationCode(
                codeHash: hash, appId: try row.column("app_id"), userId: try row.column("user_id"),
                redirectURI: try row.column("redirect_uri"), scope: try row.column("scope"),
                codeChallenge: try row.column("code_challenge"), expirationTime: try row.column("expiration_time"),
                used: try row.column("used"))
        }
    }

    func useCode(hash: String) async throws -> Bool {
        let rows = try await db.raw("""
            UPDATE oauth_codes SET used = \(bind: true) WHERE code_hash = \(bind: hash) AND used = \(bind: false) RETURNING code_hash
            """).all()
        return !rows.isEmpty
    }

    func insertRefreshToken(sessionId: Int, appId: String, scope: String, tokenHash: String, expirationTime: Date) async throws {
        try await db.raw("""
            INSERT INTO oauth_refresh_tokens (session_id, app_id, scope, token_hash, expiration_time, used)
            VALUES (\(bind: sessionId), \(bind: appId), \(bind: scope), \(bind: tokenHash), \(bind: expirationTime), \(bind: false))
            """).run()
    }

    func refreshToken(hash: String) async throws -> RefreshToken? {
        try await db.raw("SELECT * FROM oauth_refresh_tokens WHERE token_hash = \(bind: hash)").first().map { row in
            RefreshToken(
                id: try row.column("id"), sessionId: try row.column("session_id"), appId: try row.column("app_id"),
                scope: try row.column("scope"), tokenHash: hash, expirationTime: try row.column("expiration_time"),
                used: try row.column("used"))
        }
    }

    func useRefreshToken(id: Int) async throws -> Bool {
        let rows = try await db.raw("""
            UPDATE oauth_refresh_tokens SET used = \(bind: true) WHERE id = \(bind: id) AND used = \(bind: false) RETURNING id
            """).all()
        return !rows.isEmpty
    }

    func revokeToken(jti: String, expirationTime: Date) async throws {
        try await db.raw("""
            INSERT INTO oauth_revoked_tokens (jti, expiration_time) VALUES (\(bind: jti), \(bind: expirationTime))
            ON CONFLICT (jti) DO NOTHING
            """).run()
    }

    func isRevoked(jti: String) async throws -> Bool {
        try await db.raw("SELECT jti FROM oauth_revoked_tokens WHERE jti = \(bind: jti)").first() != nil
    }
}

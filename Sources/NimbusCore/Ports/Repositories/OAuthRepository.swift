import Foundation

/// What the OAuth authorization server keeps: signing keys, authorization codes, refresh tokens and
/// revoked client tokens.
public protocol OAuthRepository: Sendable {
    func signingKeys() async throws -> [SigningKey]
    func insertSigningKey(_ key: SigningKey) async throws
    func insertCode(_ code: AuthorizationCode) async throws
    func code(hash: String) async throws -> AuthorizationCode?
    /// Marks a code used; returns false when it already was (another exchange won the race).
    func useCode(hash: String) async throws -> Bool
    func insertRefreshToken(sessionId: Int, appId: String, scope: String, tokenHash: String, expirationTime: Date) async throws
    func refreshToken(hash: String) async throws -> RefreshToken?
    /// Marks a refresh token used; returns false when it already was.
    func useRefreshToken(id: Int) async throws -> Bool
    func revokeToken(jti: String, expirationTime: Date) async throws
    func isRevoked(jti: String) async throws -> Bool
}

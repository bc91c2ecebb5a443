import Foundation

/// Turns a presented credential into a `Principal`.
public struct Authenticator: Sendable {
    /// Prefixes of the tokens Nimbus issues; they let one lookup find the right table.
    public enum TokenPrefix {
        public static let session = "v1.u."
        public static let device = "v1.d."
        public static let projectKey = "v1.k."
        public static let provisioning = "v1.p."
        public static let clientSecret = "v1.c."
        public static let refreshToken = "v1.r."
    }

    let environment: CoreEnvironment

    /// The principal of a token the credential cache holds, found without a store read or a suspension (for a
    /// caller on an event loop); `nil` when the cache does not hold it, which says nothing of its validity.
    public func cachedPrincipal(token: String) -> Principal? {
        environment.credentials.principal(tokenHash: Secrets.hash(token))
    }

    /// The principal for a token; throws `invalidCredential` when the token is unknown or revoked.
    /// Tokens found valid are remembered for a while (see `CredentialCache`).
    public func authenticate(token: String) async throws -> Principal {
        let hash = Secrets.hash(token)
        let cache = environment.credentials
        if let principal = cache.principal(tokenHash: hash) { return principal }
        let generation = cache.generation
        if JSONWebToken.looksLikeJWT(token) {
            guard let (principal, claims) = try await accessToken(token), case .number(let exp) = claims["exp"] else {
                throw NimbusError.invalidCredential
            }
            let remaining = exp - environment.clock.now().timeIntervalSince1970
            cache.remember(principal, tokenHash: hash, foundAt: generation, validFor: .milliseconds(Int64(remaining * 1000)))
            return principal
        }
        let principal: Principal? = try await environment.store.read { tx in
            if token.hasPrefix(TokenPrefix.session), let session = try await tx.sessions.find(tokenHash: hash) {
                return .user(userId: session.userId, projectId: session.projectId, sessionId: session.id, appId: session.appId)
            }
            if token.hasPrefix(TokenPrefix.device), let device = try await tx.devices.find(apiKeyHash: hash) {
                return .device(deviceId: device.id, projectId: device.projectId)
            }
            if token.hasPrefix(TokenPrefix.projectKey), let key = try await tx.projects.key(hash: hash) {
                return .projectKey(keyId: key.id, projectId: key.projectId, name: key.name, permissions: key.permissions)
            }
            return nil
        }
        guard let principal else { throw NimbusError.invalidCredential }
        cache.remember(principal, tokenHash: hash, foundAt: generation)
        return principal
    }

    /// The principal and claims of a valid access token: signed by one of Nimbus's keys, issued by
    /// this server, not expired, and its sign-in (a user's) or its app (a client's) still there.
    /// `nil` for anything else, so every failure reads the same to the caller.
    func accessToken(_ token: String) async throws -> (Principal, [String: JSONValue])? {
        guard let claims = environment.signingKeys.verify(token), claims["token_use"] == .string("access"),
            claims["iss"] == .string(environment.oauth.issuer),
            case .number(let exp)? = claims["exp"], exp > environment.clock.now().timeIntervalSince1970,
            case .number(let project)? = claims["project"], case .string(let clientId)? = claims["client_id"]
        else { return nil }
        let projectId = Int(project)
        let principal: Principal? = try await environment.store.read { tx in
            if case .number(let sid)? = claims["sid"], case .string(let userId)? = claims["user_id"] {
                guard let session = try await tx.sessions.find(id: Int(sid)), String(session.userId) == userId,
                    session.projectId == projectId
                else { return nil }
                return .user(userId: session.userId, projectId: projectId, sessionId: session.id, appId: clientId)
            }
            guard case .string(let jti)? = claims["jti"], let app = try await tx.projects.app(id: clientId),
                app.status == .active, app.projectId == projectId, try await !tx.oauth.isRevoked(jti: jti)
            else { return nil }
            return .client(appId: clientId, projectId: projectId)
        }
        return principal.map { ($0, claims) }
    }
}

import Foundation

extension OAuthUseCases {
    /// RFC 7009: ends what the token stands for. A refresh token or a user's access token ends its
    /// whole sign-in; a client's access token is put on the revoked list until it expires. A token
    /// Nimbus does not know, or another client's, is ignored (the answer is the same).
    public func revoke(token: String, clientId: String?, clientSecret: String?) async throws {
        let app = try await authenticateClient(id: clientId, secret: clientSecret)
        if token.hasPrefix(Authenticator.TokenPrefix.refreshToken) {
            let sessionId: Int? = try await store.write { tx in
                guard let stored = try await tx.oauth.refreshToken(hash: Secrets.hash(token)), stored.appId == app.id else { return nil }
                try await tx.sessions.delete(id: stored.sessionId)
                return stored.sessionId
            }
            if let sessionId { environment.revoke(.session(sessionId)) }
            return
        }
        guard let (principal, claims) = try await authenticator.accessToken(token), claims["client_id"] == .string(app.id) else { return }
        switch principal {
        case .user(_, _, let sessionId, _):
            try await store.write { tx in try await tx.sessions.delete(id: sessionId) }
            environment.revoke(.session(sessionId))
        case .client:
            guard case .string(let jti)? = claims["jti"], case .number(let exp)? = claims["exp"] else { return }
            try await store.write { tx in try await tx.oauth.revokeToken(jti: jti, expirationTime: Date(timeIntervalSince1970: exp)) }
            environment.revoke(.token(hash: Secrets.hash(token)))
        default:
            return
        }
    }

    /// RFC 7662: what a token is, for a confidential client (a resource server). `active: false` for
    /// anything that is not a live token.
    public func introspect(token: String, clientId: String?, clientSecret: String?) async throws -> [String: JSONValue] {
        let caller = try await authenticateClient(id: clientId, secret: clientSecret)
        guard caller.isConfidential else { throw OAuthError.unauthorizedClient("only a confidential client may introspect tokens") }
        let inactive: [String: JSONValue] = ["active": .bool(false)]
        if token.hasPrefix(Authenticator.TokenPrefix.refreshToken) {
            let now = environment.clock.now()
            let found: (RefreshToken, Session)? = try await store.read { tx in
                guard let stored = try await tx.oauth.refreshToken(hash: Secrets.hash(token)), !stored.used, stored.expirationTime > now,
                    let session = try await tx.sessions.find(id: stored.sessionId)
                else { return nil }
                return (stored, session)
            }
            guard let (stored, session) = found, session.projectId == caller.projectId else { return inactive }
            return [
                "active": .bool(true), "token_type": .string("refresh_token"), "client_id": .string(stored.appId),
                "sub": .string(String(session.userId)), "user_id": .string(String(session.userId)), "scope": .string(stored.scope),
                "exp": .number(stored.expirationTime.timeIntervalSince1970.rounded(.down)), "project": .number(Double(session.projectId)),
                "iss": .string(settings.issuer),
            ]
        }
        guard let (_, claims) = try await authenticator.accessToken(token), claims["project"] == .number(Double(caller.projectId)) else {
            return inactive
        }
        var answer = claims.filter { ["iss", "sub", "exp", "iat", "client_id", "scope", "project", "user_id", "email", "jti"].contains($0.key) }
        answer["active"] = .bool(true)
        answer["token_type"] = .string("Bearer")
        return answer
    }

    /// The public signing keys (JWK Set).
    public var jwks: JSONValue { environment.signingKeys.jwks }

    var authenticator: Authenticator { Authenticator(environment: environment) }
}

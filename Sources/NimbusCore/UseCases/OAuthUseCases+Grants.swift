import Crypto
import Foundation

extension OAuthUseCases {
    /// A token request: the body's fields and the client's credentials (from HTTP Basic or the body).
    public struct TokenRequest: Sendable {
        public var grantType: String?
        public var clientId: String?
        public var clientSecret: String?
        public var code: String?
        public var redirectURI: String?
        public var codeVerifier: String?
        /// The password grant's account: the seed's `email`, or `username`.
        public var email: String?
        public var password: String?
        public var refreshToken: String?
        public var scope: String?
        /// The client's network address, for sign-in throttling.
        public var address: String?

        public init(
            grantType: String? = nil, clientId: String? = nil, clientSecret: String? = nil, code: String? = nil, redirectURI: String? = nil,
            codeVerifier: String? = nil, email: String? = nil, password: String? = nil, refreshToken: String? = nil, scope: String? = nil,
            address: String? = nil
        ) {
            self.grantType = grantType
            self.clientId = clientId
            self.clientSecret = clientSecret
            self.code = code
            self.redirectURI = redirectURI
            self.codeVerifier = codeVerifier
            self.email = email
            self.password = password
            self.refreshToken = refreshToken
            self.scope = scope
            self.address = address
        }
    }

    /// The token endpoint (RFC 6749 §3.2).
    public func token(_ request: TokenRequest) async throws -> IssuedTokens {
        switch request.grantType {
        case nil, "": throw OAuthError.invalidRequest("grant_type is required")
        case "authorization_code": return try await exchangeCode(request)
        case "password": return try await passwordGrant(request)
        case "refresh_token": return try await refreshGrant(request)
        case "client_credentials": return try await clientCredentialsGrant(request)
        default: throw OAuthError.unsupportedGrantType
        }
    }

    /// The client of a token request: a confidential client must prove its secret, a public client
    /// only names itself (its proof is PKCE, or the user's password).
    public func authenticateClient(id: String?, secret: String?) async throws -> App {
        guard let id, !id.isEmpty else { throw OAuthError.invalidClient("client_id is required") }
        guard let app = try await store.read({ try await $0.projects.app(id: id) }), app.status == .active else {
            throw OAuthError.invalidClient("unknown or inactive client")
        }
        if let hash = app.clientSecretHash {
            guard let secret, Secrets.matches(secret, hash: hash) else { throw OAuthError.invalidClient("client authentication failed") }
        } else if secret != nil && secret != "" {
            throw OAuthError.invalidClient("this client has no secret")
        }
        return app
    }

    /// The app of a password grant without a client (`OAuthSettings.defaultClientId`, named by the operator, who
    /// thereby lets its users sign in without the app's secret, as Cayenne's clients do).
    func defaultApp() async throws -> App {
        guard let id = settings.defaultClientId else {
            throw OAuthError.invalidClient("client_id is required (no default app is configured: cayenne-default-app)")
        }
        guard let app = try await store.read({ try await $0.projects.app(id: id) }), app.status == .active else {
            throw OAuthError.invalidClient("the default app is unknown or inactive")
        }
        return app
    }

    /// The app a refresh token was issued to, for a refresh without a client: the token is the proof (it is
    /// single-use, and a replay revokes the sign-in). An unknown token is `invalid_grant`, as it would be anyway.
    func appOfRefreshToken(_ presented: String) async throws -> App {
        let app = try await store.read { tx -> App? in
            guard let stored = try await tx.oauth.refreshToken(hash: Secrets.hash(presented)) else { return nil }
            return try await tx.projects.app(id: stored.appId)
        }
        guard let app else { throw OAuthError.invalidGrant("unknown refresh token") }
        guard app.status == .active else { throw OAuthError.invalidClient("unknown or inactive client") }
        return app
    }

    /// Whether a request names its client.
    static func names(_ clientId: String?) -> Bool {
        !(clientId ?? "").isEmpty
    }

    func exchangeCode(_ request: TokenRequest) async throws -> IssuedTokens {
        let code = try required(request.code, "code")
        let redirectURI = try required(request.redirectURI, "redirect_uri")
        let app = try await authenticateClient(id: request.clientId, secret: request.clientSecret)
        let now = environment.clock.now()
        // Refusals after the code is marked used are returned, not thrown, so the mark commits: a code
        // presented with a wrong verifier or redirect URI is spent, and cannot be tried again.
        let outcome: Result<(User, Session, String), OAuthError> = try await store.write { tx in
            guard let stored = try await tx.oauth.code(hash: Secrets.hash(code)), stored.appId == app.id else {
                return .failure(.invalidGrant("unknown authorization code"))
            }
            guard !stored.used, stored.expirationTime > now, try await tx.oauth.useCode(hash: stored.codeHash) else {
                return .failure(.invalidGrant("the authorization code was used or has expired"))
            }
            guard stored.redirectURI == redirectURI else { return .failure(.invalidGrant("redirect_uri differs from the authorization request")) }
            if let challenge = stored.codeChallenge {
                guard let verifier = request.codeVerifier,
                    let computed = Self.pkceChallenge(verifier: verifier), Secrets.constantTimeEquals(computed, challenge)
                else { return .failure(.invalidGrant("code_verifier does not match the code_challenge")) }
            } else if !app.isConfidential {
                return .failure(.invalidGrant("a public client's code needs PKCE"))
            }
            guard let user = try await tx.users.get(id: stored.userId) else { return .failure(.invalidGrant("the user no longer exists")) }
            let session = try await self.openSession(for: user, appId: app.id, at: now, in: tx)
            return .success((user, session, stored.scope))
        }
        let (user, session, scope) = try outcome.get()
        return try await issueTokens(user: user, app: app, sessionId: session.id, scope: scope, at: now)
    }

    func passwordGrant(_ request: TokenRequest) async throws -> IssuedTokens {
        let email = try required(request.email, "email")
        let password = try required(request.password, "password")
        let scope = try Self.normalizedScope(request.scope)
        let app = try await (Self.names(request.clientId) ? authenticateClient(id: request.clientId, secret: request.clientSecret) : defaultApp())
        let user = try await signIn(projectId: app.projectId, email: email, password: password, address: request.address)
        let now = environment.clock.now()
        let session = try await store.write { tx in try await self.openSession(for: user, appId: app.id, at: now, in: tx) }
        return try await issueTokens(user: user, app: app, sessionId: session.id, scope: scope, at: now)
    }

    func refreshGrant(_ request: TokenRequest) async throws -> IssuedTokens {
        let presented = try required(request.refreshToken, "refresh_token")
        let app = try await (
            Self.names(request.clientId)
                ? authenticateClient(id: request.clientId, secret: request.clientSecret) : appOfRefreshToken(presented))
        let now = environment.clock.now()
        let newToken = Secrets.token(prefix: Authenticator.TokenPrefix.refreshToken)
        let outcome: RefreshOutcome = try await store.write { tx in
            guard let stored = try await tx.oauth.refreshToken(hash: Secrets.hash(presented)), stored.appId == app.id else {
                return .refused(.invalidGrant("unknown refresh token"), revokedSession: nil)
            }
            guard !stored.used, try await tx.oauth.useRefreshToken(id: stored.id) else {
                // A replaced token came back: whoever holds the family's newest token may not be the
                // user, so the whole sign-in ends. The deletion commits with this transaction.
                try await tx.sessions.delete(id: stored.sessionId)
                return .refused(.invalidGrant("the refresh token was already used; the sign-in is revoked"), revokedSession: stored.sessionId)
            }
            guard stored.expirationTime > now, let session = try await tx.sessions.find(id: stored.sessionId),
                let user = try await tx.users.get(id: session.userId)
            else { return .refused(.invalidGrant("the refresh token has expired"), revokedSession: nil) }
            try await tx.oauth.insertRefreshToken(
                sessionId: stored.sessionId, appId: app.id, scope: stored.scope, tokenHash: Secrets.hash(newToken),
                expirationTime: now + self.settings.refreshTokenLifetime)
            return .issued(user, stored)
        }
        switch outcome {
        case .refused(let error, let revokedSession):
            if let revokedSession { environment.revoke(.session(revokedSession)) }
            throw error
        case .issued(let user, let stored):
            let access = try mintAccessToken(user: user, app: app, sessionId: stored.sessionId, scope: stored.scope, at: now)
            return IssuedTokens(accessToken: access, expiresIn: Int(settings.accessTokenLifetime), refreshToken: newToken, scope: stored.scope)
        }
    }

    private enum RefreshOutcome: Sendable {
        case issued(User, RefreshToken)
        /// Refused; a reused token's family was deleted in the same transaction and must be revoked after it.
        case refused(OAuthError, revokedSession: Int?)
    }

    func clientCredentialsGrant(_ request: TokenRequest) async throws -> IssuedTokens {
        let app = try await authenticateClient(id: request.clientId, secret: request.clientSecret)
        guard app.isConfidential else { throw OAuthError.unauthorizedClient("only a confidential client may use client_credentials") }
        let scope = try Self.normalizedScope(request.scope)
        let access = try mintAccessToken(user: nil, app: app, sessionId: nil, scope: scope, at: environment.clock.now())
        return IssuedTokens(accessToken: access, expiresIn: Int(settings.accessTokenLifetime), refreshToken: nil, scope: scope)
    }

    /// A new sign-in's access and refresh tokens.
    func issueTokens(user: User, app: App, sessionId: Int, scope: String, at now: Date) async throws -> IssuedTokens {
        let refresh = Secrets.token(prefix: Authenticator.TokenPrefix.refreshToken)
        try await store.write { tx in
            try await tx.oauth.insertRefreshToken(
                sessionId: sessionId, appId: app.id, scope: scope, tokenHash: Secrets.hash(refresh),
                expirationTime: now + self.settings.refreshTokenLifetime)
        }
        let access = try mintAccessToken(user: user, app: app, sessionId: sessionId, scope: scope, at: now)
        return IssuedTokens(accessToken: access, expiresIn: Int(settings.accessTokenLifetime), refreshToken: refresh, scope: scope)
    }

    /// A signed access token for a user's sign-in, or for a client acting for itself (`user == nil`).
    func mintAccessToken(user: User?, app: App, sessionId: Int?, scope: String, at now: Date) throws -> String {
        var claims: [String: JSONValue] = [
            "iss": .string(settings.issuer), "sub": .string(user.map { String($0.id) } ?? app.id),
            "iat": .number(now.timeIntervalSince1970.rounded(.down)),
            "exp": .number((now + settings.accessTokenLifetime).timeIntervalSince1970.rounded(.down)),
            "jti": .string(UUID().uuidString.lowercased()), "client_id": .string(app.id), "project": .number(Double(app.projectId)),
            "scope": .string(scope), "token_use": .string("access"),
        ]
        if let user, let sessionId {
            claims["user_id"] = .string(String(user.id))
            claims["sid"] = .number(Double(sessionId))
            if let email = user.email { claims["email"] = .string(email) }
        }
        return try environment.signingKeys.sign(claims)
    }

    /// RFC 7636 S256: base64url(SHA-256(verifier)); `nil` for a verifier of the wrong shape.
    static func pkceChallenge(verifier: String) -> String? {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")
        guard (43...128).contains(verifier.utf8.count), verifier.allSatisfy(allowed.contains) else { return nil }
        return Base64URL.encode(SHA256.hash(data: Data(verifier.utf8)))
    }

    func required(_ value: String?, _ field: String) throws -> String {
        guard let value, !value.isEmpty else { throw OAuthError.invalidRequest("\(field) is required") }
        return value
    }
}

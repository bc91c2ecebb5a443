import Foundation

/// The OAuth 2.0 authorization server: the authorization step (checking a request, signing a
/// person in, single sign-on, approving), the token grants, revocation and introspection. The
/// dialect renders pages and bodies; every decision is made here.
public struct OAuthUseCases: Sendable {
    let environment: CoreEnvironment
    var store: any Store { environment.store }
    var settings: OAuthSettings { environment.oauth }

    /// The parameters of an authorization request, as the client sent them.
    public struct AuthorizationRequest: Sendable, Hashable {
        public var responseType: String?
        public var clientId: String?
        public var redirectURI: String?
        public var scope: String?
        public var state: String?
        public var codeChallenge: String?
        public var codeChallengeMethod: String?

        public init(
            responseType: String?, clientId: String?, redirectURI: String?, scope: String?, state: String?,
            codeChallenge: String?, codeChallengeMethod: String?
        ) {
            self.responseType = responseType
            self.clientId = clientId
            self.redirectURI = redirectURI
            self.scope = scope
            self.state = state
            self.codeChallenge = codeChallenge
            self.codeChallengeMethod = codeChallengeMethod
        }
    }

    /// An authorization request that passed every check.
    public struct Authorization: Sendable, Hashable {
        public enum ResponseType: String, Sendable { case code, token }
        public var app: App
        public var responseType: ResponseType
        public var redirectURI: String
        /// Space-separated, as tokens carry it.
        public var scope: String
        public var state: String
        public var codeChallenge: String?

        public var scopes: [String] { scope.split(separator: " ").map(String.init) }
    }

    /// Where a failed authorization request goes.
    public enum AuthorizationFailure: Error, Sendable, Hashable {
        /// The client or its redirect URI cannot be trusted: show the error, send the user nowhere.
        case refuse(String)
        /// Send the user back to the client's registered URI with an RFC 6749 error.
        case redirect(uri: String, error: String, description: String, state: String?, inFragment: Bool)
    }

    /// Checks an authorization request in the order the seed and RFC 6749 §4.1.2.1 need: client and
    /// redirect URI first (never redirect to an address the client did not register), then the rest.
    public func check(_ request: AuthorizationRequest) async throws -> Result<Authorization, AuthorizationFailure> {
        guard let clientId = request.clientId, !clientId.isEmpty else { return .failure(.refuse("The request names no client (client_id).")) }
        let found = try await store.read { tx -> (App, [AppRedirect])? in
            guard let app = try await tx.projects.app(id: clientId) else { return nil }
            return (app, try await tx.projects.redirects(appId: clientId))
        }
        guard let (app, redirects) = found, app.status == .active else { return .failure(.refuse("No active application has this client_id.")) }
        guard let redirectURI = request.redirectURI, !redirectURI.isEmpty else {
            return .failure(.refuse("The request has no redirect_uri."))
        }
        guard redirects.contains(where: { $0.uri == redirectURI }) else {
            return .failure(.refuse("The redirect_uri is not registered for this application."))
        }
        let responseType = Authorization.ResponseType(rawValue: request.responseType ?? "")
        func fail(_ error: String, _ description: String) -> Result<Authorization, AuthorizationFailure> {
            .failure(.redirect(uri: redirectURI, error: error, description: description, state: request.state, inFragment: responseType == .token))
        }
        guard let responseType else { return fail("unsupported_response_type", "response_type must be code or token") }
        guard let state = request.state, !state.isEmpty else { return fail("invalid_request", "state is required") }
        guard state.utf8.count <= 512 else { return fail("invalid_request", "state is too long") }
        let scope: String
        do { scope = try Self.normalizedScope(request.scope) } catch { return fail("invalid_scope", "scope has characters that are not allowed") }
        var challenge: String?
        if let codeChallenge = request.codeChallenge, !codeChallenge.isEmpty {
            guard (request.codeChallengeMethod ?? "plain") == "S256" else {
                return fail("invalid_request", "code_challenge_method must be S256")
            }
            guard (43...128).contains(codeChallenge.utf8.count), Base64URL.decode(codeChallenge)?.count == 32 else {
                return fail("invalid_request", "code_challenge must be the base64url SHA-256 of the verifier")
            }
            challenge = codeChallenge
        } else if request.codeChallengeMethod != nil {
            return fail("invalid_request", "code_challenge is missing")
        } else if responseType == .code && !app.isConfidential {
            return fail("invalid_request", "a public client must use PKCE (code_challenge with S256)")
        }
        return .success(Authorization(
            app: app, responseType: responseType, redirectURI: redirectURI, scope: scope, state: state, codeChallenge: challenge))
    }

    /// Signs a person in with email and password (the sign-in page, the password grant), counting
    /// the attempt with the sign-in throttle.
    public func signIn(projectId: Int, email rawEmail: String, password: String, address: String?) async throws -> User {
        let email = rawEmail.trimmingCharacters(in: .whitespaces).lowercased()
        let account = SignInThrottle.account(projectId: projectId, email)
        return try await environment.signInThrottle.attempt(account: account, address: address, refusal: OAuthError.tooManyAttempts) {
            let user = try await store.read { try await $0.users.find(projectId: projectId, email: email) }
            // Every path checks a bcrypt hash, so a wrong address takes as long as a wrong password.
            let hash = user?.passwordHash ?? Secrets.decoyPasswordHash
            guard await Secrets.verifyPassword(password, hash: hash), let user, user.passwordHash != nil else {
                throw OAuthError.invalidGrant("wrong email or password")
            }
            return user
        }
    }

    /// Starts a single sign-on session for a user who signed in on the page; returns the signed
    /// cookie value.
    public func startSingleSignOn(for user: User) async throws -> String {
        let now = environment.clock.now()
        let session = try await store.write { tx in
            try await self.openSession(for: user, appId: nil, at: now, in: tx)
        }
        return try environment.signingKeys.sign([
            "token_use": .string("sso"), "sub": .string(String(user.id)), "sid": .number(Double(session.id)),
            "project": .number(Double(user.projectId)), "iat": .number(now.timeIntervalSince1970.rounded(.down)),
            "exp": .number((now + settings.singleSignOnLifetime).timeIntervalSince1970.rounded(.down)),
        ], type: "JWT")
    }

    /// The user of a valid single sign-on cookie in this project; `nil` when it is not valid (any more).
    public func singleSignOnUser(cookie: String, projectId: Int) async throws -> User? {
        guard let claims = environment.signingKeys.verify(cookie), claims["token_use"] == .string("sso"),
            case .number(let exp)? = claims["exp"], exp > environment.clock.now().timeIntervalSince1970,
            claims["project"] == .number(Double(projectId)),
            case .number(let sid)? = claims["sid"], case .string(let sub)? = claims["sub"], let userId = Int(sub)
        else { return nil }
        return try await store.read { tx in
            guard let session = try await tx.sessions.find(id: Int(sid)), session.userId == userId else { return nil }
            return try await tx.users.get(id: userId)
        }
    }

    /// What an approved authorization gives the client.
    public enum Approval: Sendable, Hashable {
        case code(String)
        case token(IssuedTokens)
    }

    /// The user allowed the request: a code for `code`, an access token (no refresh token) for `token`.
    public func approve(_ authorization: Authorization, user: User) async throws -> Approval {
        guard user.projectId == authorization.app.projectId else { throw OAuthError.invalidGrant("the user belongs to another project") }
        let now = environment.clock.now()
        switch authorization.responseType {
        case .code:
            let code = Secrets.token(prefix: "")
            try await store.write { tx in
                try await tx.oauth.insertCode(AuthorizationCode(
                    codeHash: Secrets.hash(code), appId: authorization.app.id, userId: user.id, redirectURI: authorization.redirectURI,
                    scope: authorization.scope, codeChallenge: authorization.codeChallenge,
                    expirationTime: now + settings.codeLifetime, used: false))
            }
            return .code(code)
        case .token:
            let session = try await store.write { tx in try await self.openSession(for: user, appId: authorization.app.id, at: now, in: tx) }
            let access = try mintAccessToken(user: user, app: authorization.app, sessionId: session.id, scope: authorization.scope, at: now)
            return .token(IssuedTokens(accessToken: access, expiresIn: Int(settings.accessTokenLifetime), refreshToken: nil, scope: authorization.scope))
        }
    }

    /// The project of an active app; for requests that name an app to say which project they mean.
    public func projectOfApp(_ appId: String) async throws -> Int {
        guard let app = try await store.read({ try await $0.projects.app(id: appId) }), app.status == .active else {
            throw NimbusError.notFound("application")
        }
        return app.projectId
    }

    /// Scopes as tokens carry them: space-separated. The seed separates them with commas; both are read.
    static func normalizedScope(_ raw: String?) throws -> String {
        let scopes = (raw ?? "").split(whereSeparator: { $0 == " " || $0 == "," }).map(String.init)
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.:/")
        guard scopes.allSatisfy({ $0.utf8.count <= 64 && $0.allSatisfy(allowed.contains) }), scopes.count <= 32 else {
            throw OAuthError.invalidScope("scope has characters that are not allowed")
        }
        var seen = Set<String>()
        return scopes.filter { seen.insert($0).inserted }.joined(separator: " ")
    }

    /// A sign-in: a session row whose own token is never handed out; the tokens of OAuth hang off it.
    func openSession(for user: User, appId: String?, at now: Date, in tx: any StoreTransaction) async throws -> Session {
        // Read again inside the transaction, so a change made since the caller read the user is kept.
        guard var user = try await tx.users.get(id: user.id) else { throw OAuthError.invalidGrant("the user no longer exists") }
        user.lastSignInTime = now
        try await tx.users.update(user)
        return try await tx.sessions.insert(
            userId: user.id, projectId: user.projectId, appId: appId, tokenHash: Secrets.hash(Secrets.token(prefix: "unused.")), at: now)
    }
}

/// What the token endpoint hands out.
public struct IssuedTokens: Sendable, Hashable {
    public var accessToken: String
    public var expiresIn: Int
    public var refreshToken: String?
    public var scope: String

    public init(accessToken: String, expiresIn: Int, refreshToken: String?, scope: String) {
        self.accessToken = accessToken
        self.expiresIn = expiresIn
        self.refreshToken = refreshToken
        self.scope = scope
    }
}

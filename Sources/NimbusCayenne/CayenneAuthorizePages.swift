import Foundation
import Hummingbird
import NimbusCore
import NimbusHTTP

/// The authorization step of the browser flows (RFC 6749 §4.1 and §4.2): the request is checked,
/// the person signs in (unless the single sign-on cookie says who they are), and allows or denies
/// the app on a consent page. Both forms carry a CSRF token that must equal the `nimbus_csrf` cookie.
/// Every post carries the authorization request again and it is checked again, so a tampered form
/// gains nothing.
struct CayenneAuthorizePages {
    let oauth: OAuthUseCases
    let cookies: CayenneCookies

    func addRoutes(to group: RouterGroup<NimbusRequestContext>) {
        group.get("", use: authorize)
        group.get("oauth/authorization", use: authorize)
        group.get("oauth/authorize", use: authorize)
        group.get(RouterPath(CayenneDialect.keycloakPath + "/auth"), use: authorize)
        group.post("oauth/login", use: login)
        group.post("oauth/consent", use: consent)
    }

    func authorize(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        // Read as a form (RFC 6749 Appendix B): OAuth clients write a space as `+` in this query.
        let query = RequestFields(form: request.uri.query ?? "")
        guard query["response_type"] != nil || query["client_id"] != nil else {
            return CayennePage.render(title: "Nimbus", body: "<p>This is the Cayenne authorization server of Nimbus.</p>")
        }
        let parameters = Self.authorizationRequest { try? query.string($0) }
        let authorization: OAuthUseCases.Authorization
        switch try await oauth.check(parameters) {
        case .failure(let failure): return Self.response(for: failure)
        case .success(let checked): authorization = checked
        }
        let csrf = cookies.csrfToken(in: request)
        if let sso = request.cookies[CayenneCookies.singleSignOn]?.value,
            let user = try await oauth.singleSignOnUser(cookie: sso, projectId: authorization.app.projectId) {
            return consentPage(authorization, parameters: parameters, user: user, csrf: csrf.value, cookies: csrf.cookie.map { [$0] } ?? [])
        }
        return loginPage(authorization, parameters: parameters, csrf: csrf.value, cookies: csrf.cookie.map { [$0] } ?? [])
    }

    func login(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        try await posted(request, context: context) { fields, parameters, authorization in
            let csrf = cookies.csrfToken(in: request).value
            let user: User
            do {
                user = try await oauth.signIn(
                    projectId: authorization.app.projectId, email: (try? fields.string("email")) ?? "",
                    password: (try? fields.string("password")) ?? "", address: context.remoteAddress)
            } catch OAuthError.tooManyAttempts {
                // The seed: a person who cannot sign in after several attempts is sent back to the app.
                return Self.redirectError(authorization, "access_denied", "too many failed sign-ins; try again later")
            } catch OAuthError.invalidGrant {
                return loginPage(authorization, parameters: parameters, csrf: csrf, error: "Wrong email or password.")
            }
            let sso = try await oauth.startSingleSignOn(for: user)
            return consentPage(authorization, parameters: parameters, user: user, csrf: csrf, cookies: [cookies.singleSignOn(sso)])
        }
    }

    func consent(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        try await posted(request, context: context) { fields, parameters, authorization in
            guard let sso = request.cookies[CayenneCookies.singleSignOn]?.value,
                let user = try await oauth.singleSignOnUser(cookie: sso, projectId: authorization.app.projectId)
            else {
                return loginPage(authorization, parameters: parameters, csrf: cookies.csrfToken(in: request).value, error: "Please sign in again.")
            }
            guard (try? fields.string("decision")) == "allow" else {
                return Self.redirectError(authorization, "access_denied", "the user denied the request")
            }
            switch try await oauth.approve(authorization, user: user) {
            case .code(let code):
                return CayennePage.redirect(to: authorization.redirectURI, [("code", code), ("state", authorization.state)], inFragment: false)
            case .token(let tokens):
                return CayennePage.redirect(
                    to: authorization.redirectURI,
                    [("access_token", tokens.accessToken), ("token_type", "Bearer"), ("expires_in", String(tokens.expiresIn)),
                     ("scope", tokens.scope.isEmpty ? nil : tokens.scope), ("state", authorization.state)],
                    inFragment: true)
            }
        }
    }

    // MARK: - Pages

    /// Its post can end in a redirect to the client (too many failed sign-ins), which the page's policy allows.
    func loginPage(
        _ authorization: OAuthUseCases.Authorization, parameters: OAuthUseCases.AuthorizationRequest, csrf: String, error: String? = nil,
        cookies: [Cookie] = []
    ) -> Response {
        let message = error.map { "<p class=\"error\">\(HTML.escape($0))</p>" } ?? ""
        return CayennePage.render(title: "Sign in", body: """
            <p>Sign in to continue to <b>\(HTML.escape(authorization.app.name))</b>.</p>\(message)
            <form method="post" action="\(CayenneDialect.pathPrefix)/oauth/login">
            \(Self.hiddenFields(parameters, csrf: csrf))
            <label>Email<br><input type="email" name="email" autocomplete="username" required></label>
            <label>Password<br><input type="password" name="password" autocomplete="current-password" required></label>
            <p><button type="submit">Sign in</button></p>
            </form>
            <p>\(authorization.app.allowsSignUp ? "<a href=\"\(HTML.escape(CayenneAccountPages.link(to: "oauth/signup", parameters)))\">Create an account</a> · " : "")\
            <a href="\(HTML.escape(CayenneAccountPages.link(to: "oauth/forgot", parameters)))">Forgot your password?</a></p>
            """, redirectURI: authorization.redirectURI, cookies: cookies)
    }

    /// Its post ends in a redirect to the client, which the page's policy allows.
    func consentPage(
        _ authorization: OAuthUseCases.Authorization, parameters: OAuthUseCases.AuthorizationRequest, user: User, csrf: String, cookies: [Cookie]
    ) -> Response {
        let scopes = authorization.scopes.isEmpty
            ? "<li>your account (basic access)</li>"
            : authorization.scopes.map { "<li>\(HTML.escape($0))</li>" }.joined()
        return CayennePage.render(title: "Allow access?", body: """
            <p>Signed in as <b>\(HTML.escape(user.email ?? user.name))</b>.</p>
            <p><b>\(HTML.escape(authorization.app.name))</b> asks for access to:</p><ul>\(scopes)</ul>
            <form method="post" action="\(CayenneDialect.pathPrefix)/oauth/consent">
            \(Self.hiddenFields(parameters, csrf: csrf))
            <button type="submit" name="decision" value="allow">Allow</button>
            <button type="submit" name="decision" value="deny">Deny</button>
            </form>
            """, redirectURI: authorization.redirectURI, cookies: cookies)
    }

    // MARK: - Helpers

    /// A response that ends a post early (a failed CSRF check, a request that no longer checks out).
    struct Refusal: Error {
        let response: Response
    }

    /// Runs `body` on a form post that passed `checkedPost`; a post that did not gets its refusal page.
    func posted(
        _ request: Request, context: NimbusRequestContext,
        _ body: (RequestFields, OAuthUseCases.AuthorizationRequest, OAuthUseCases.Authorization) async throws -> Response
    ) async throws -> Response {
        switch try await checkedPost(request, context: context) {
        case .failure(let refusal): return refusal.response
        case .success(let (fields, parameters, authorization)): return try await body(fields, parameters, authorization)
        }
    }

    /// What every form does first: the CSRF check, then the authorization request it carries, checked again.
    func checkedPost(
        _ request: Request, context: NimbusRequestContext
    ) async throws -> Result<(RequestFields, OAuthUseCases.AuthorizationRequest, OAuthUseCases.Authorization), Refusal> {
        let fields = try await RequestFields.read(request, context: context)
        guard cookies.csrfMatches(request: request, posted: (try? fields.string("csrf")) ?? nil) else {
            return .failure(Refusal(response: CayennePage.error("The form expired or was not sent by this site. Go back to the app and start again.")))
        }
        let parameters = Self.authorizationRequest { try? fields.string($0) }
        switch try await oauth.check(parameters) {
        case .failure(let failure): return .failure(Refusal(response: Self.response(for: failure)))
        case .success(let authorization): return .success((fields, parameters, authorization))
        }
    }

    static let parameterNames = ["response_type", "client_id", "redirect_uri", "scope", "state", "code_challenge", "code_challenge_method"]

    static func authorizationRequest(_ value: (String) -> String?) -> OAuthUseCases.AuthorizationRequest {
        OAuthUseCases.AuthorizationRequest(
            responseType: value("response_type"), clientId: value("client_id"), redirectURI: value("redirect_uri"), scope: value("scope"),
            state: value("state"), codeChallenge: value("code_challenge"), codeChallengeMethod: value("code_challenge_method"))
    }

    /// The request's parameters as a query, for the links between the sign-in, sign-up and password pages.
    static func queryItems(_ request: OAuthUseCases.AuthorizationRequest) -> [URLQueryItem] {
        [
            ("response_type", request.responseType), ("client_id", request.clientId), ("redirect_uri", request.redirectURI),
            ("scope", request.scope), ("state", request.state), ("code_challenge", request.codeChallenge),
            ("code_challenge_method", request.codeChallengeMethod),
        ].compactMap { name, value in value.map { URLQueryItem(name: name, value: $0) } }
    }

    static func hiddenFields(_ request: OAuthUseCases.AuthorizationRequest, csrf: String) -> String {
        CayennePage.hidden([
            ("response_type", request.responseType), ("client_id", request.clientId), ("redirect_uri", request.redirectURI),
            ("scope", request.scope), ("state", request.state), ("code_challenge", request.codeChallenge),
            ("code_challenge_method", request.codeChallengeMethod), ("csrf", csrf),
        ])
    }

    static func response(for failure: OAuthUseCases.AuthorizationFailure) -> Response {
        switch failure {
        case .refuse(let message):
            return CayennePage.error(message)
        case .redirect(let uri, let error, let description, let state, let inFragment):
            return CayennePage.redirect(to: uri, [("error", error), ("error_description", description), ("state", state)], inFragment: inFragment)
        }
    }

    static func redirectError(_ authorization: OAuthUseCases.Authorization, _ error: String, _ description: String) -> Response {
        response(for: .redirect(
            uri: authorization.redirectURI, error: error, description: description, state: authorization.state,
            inFragment: authorization.responseType == .token))
    }
}

import Foundation
import Hummingbird
import NimbusCore
import NimbusHTTP

/// The sign-in page's two other ways in: creating an account (when the app allows sign-up) and asking for a
/// password reset. Both carry the authorization request along, as the sign-in form does, and check it and the CSRF
/// token again on every post (`CayenneAuthorizePages.checkedPost`). A new account is signed in with single sign-on
/// and goes on to the consent page, as after a password sign-in; a reset request answers the same whether or not
/// the email has an account, and links back to the sign-in page.
struct CayenneAccountPages {
    let authorize: CayenneAuthorizePages
    let accounts: AccountUseCases
    let passwordResetLink: @Sendable (String) -> String

    func addRoutes(to group: RouterGroup<NimbusRequestContext>) {
        group.get("oauth/signup", use: signUpForm)
        group.post("oauth/signup", use: signUp)
        group.get("oauth/forgot", use: forgotForm)
        group.post("oauth/forgot", use: forgot)
    }

    func signUpForm(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        try await page(request) { authorization, parameters, csrf in
            guard authorization.app.allowsSignUp else { return CayennePage.error("This app does not let people create accounts here.") }
            return signUpPage(authorization, parameters: parameters, csrf: csrf.value, cookies: csrf.cookie.map { [$0] } ?? [])
        }
    }

    func signUp(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        try await authorize.posted(request, context: context) { fields, parameters, authorization in
            let csrf = authorize.cookies.csrfToken(in: request).value
            let value = { (name: String) in (try? fields.string(name)) ?? nil }
            let user: User
            do {
                user = try await authorize.oauth.createAccount(
                    .init(firstName: value("first_name"), lastName: value("last_name"), email: value("email"), password: value("password"),
                          appId: authorization.app.id),
                    by: .anonymous)
            } catch let error as NimbusError {
                return signUpPage(authorization, parameters: parameters, csrf: csrf, error: Self.message(error), fields: fields)
            }
            let sso = try await authorize.oauth.startSingleSignOn(for: user)
            return authorize.consentPage(authorization, parameters: parameters, user: user, csrf: csrf, cookies: [authorize.cookies.singleSignOn(sso)])
        }
    }

    func forgotForm(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        try await page(request) { authorization, parameters, csrf in
            forgotPage(authorization, parameters: parameters, csrf: csrf.value, cookies: csrf.cookie.map { [$0] } ?? [])
        }
    }

    func forgot(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        try await authorize.posted(request, context: context) { fields, parameters, authorization in
            let csrf = authorize.cookies.csrfToken(in: request).value
            do {
                try await accounts.startPasswordReset(
                    email: (try? fields.requiredString("email")) ?? "", projectId: authorization.app.projectId, address: context.remoteAddress,
                    link: passwordResetLink)
            } catch let error as NimbusError {
                return forgotPage(authorization, parameters: parameters, csrf: csrf, error: Self.message(error))
            }
            return CayennePage.render(title: "Check your email", body: """
                <p>If an account uses that email, a link to choose a new password is on its way. It works once, for a short time.</p>
                <p><a href="\(HTML.escape(Self.link(to: "oauth/authorize", parameters)))">Back to sign in</a></p>
                """, redirectURI: authorization.redirectURI)
        }
    }

    // MARK: - Pages

    func signUpPage(
        _ authorization: OAuthUseCases.Authorization, parameters: OAuthUseCases.AuthorizationRequest, csrf: String, error: String? = nil,
        fields: RequestFields? = nil, cookies: [Cookie] = []
    ) -> Response {
        let kept = { (name: String) in HTML.escape(((try? fields?.string(name)) ?? nil) ?? "") }
        return CayennePage.render(title: "Create an account", body: """
            <p>Create an account to continue to <b>\(HTML.escape(authorization.app.name))</b>.</p>\(Self.errorParagraph(error))
            <form method="post" action="\(CayenneDialect.pathPrefix)/oauth/signup">
            \(CayenneAuthorizePages.hiddenFields(parameters, csrf: csrf))
            <label>First name<br><input name="first_name" autocomplete="given-name" value="\(kept("first_name"))" required></label>
            <label>Last name<br><input name="last_name" autocomplete="family-name" value="\(kept("last_name"))" required></label>
            <label>Email<br><input type="email" name="email" autocomplete="username" value="\(kept("email"))" required></label>
            <label>Password<br><input type="password" name="password" autocomplete="new-password" required></label>
            <p><button type="submit">Create account</button></p>
            </form>
            <p><a href="\(HTML.escape(Self.link(to: "oauth/authorize", parameters)))">I have an account</a></p>
            """, redirectURI: authorization.redirectURI, cookies: cookies)
    }

    func forgotPage(
        _ authorization: OAuthUseCases.Authorization, parameters: OAuthUseCases.AuthorizationRequest, csrf: String, error: String? = nil,
        cookies: [Cookie] = []
    ) -> Response {
        CayennePage.render(title: "Forgot your password?", body: """
            <p>We will email you a link to choose a new one.</p>\(Self.errorParagraph(error))
            <form method="post" action="\(CayenneDialect.pathPrefix)/oauth/forgot">
            \(CayenneAuthorizePages.hiddenFields(parameters, csrf: csrf))
            <label>Email<br><input type="email" name="email" autocomplete="username" required></label>
            <p><button type="submit">Send the link</button></p>
            </form>
            <p><a href="\(HTML.escape(Self.link(to: "oauth/authorize", parameters)))">Back to sign in</a></p>
            """, redirectURI: authorization.redirectURI, cookies: cookies)
    }

    // MARK: - Helpers

    /// A form page for a checked authorization request in the query, or the page that says why it cannot go on.
    private func page(
        _ request: Request,
        _ body: (OAuthUseCases.Authorization, OAuthUseCases.AuthorizationRequest, (value: String, cookie: Cookie?)) async throws -> Response
    ) async throws -> Response {
        let query = RequestFields(form: request.uri.query ?? "")
        let parameters = CayenneAuthorizePages.authorizationRequest { try? query.string($0) }
        switch try await authorize.oauth.check(parameters) {
        case .failure(let failure): return CayenneAuthorizePages.response(for: failure)
        case .success(let authorization): return try await body(authorization, parameters, authorize.cookies.csrfToken(in: request))
        }
    }

    /// One of the browser flow's pages (`oauth/authorize`, `oauth/signup`, `oauth/forgot`) for the same authorization request.
    static func link(to path: String, _ parameters: OAuthUseCases.AuthorizationRequest) -> String {
        var components = URLComponents()
        components.path = "\(CayenneDialect.pathPrefix)/\(path)"
        components.queryItems = CayenneAuthorizePages.queryItems(parameters)
        return components.string ?? components.path
    }

    static func errorParagraph(_ error: String?) -> String {
        error.map { "<p class=\"error\">\(HTML.escape($0))</p>" } ?? ""
    }

    /// What a person reads when the account cannot be made or the link cannot be sent.
    static func message(_ error: NimbusError) -> String {
        switch error {
        case .rejected(.emailInUse): "An account already uses this email. Sign in, or ask for a new password."
        case .rejected(.invalidEmail): "That is not an email address."
        case .rejected(.passwordTooShort): "The password is too short."
        case .invalidInput(let field, let reason): "\(field.replacingOccurrences(of: "_", with: " ").capitalized): \(reason)."
        case .limitReached, .tooManyAttempts: "Too many requests for now; try again later."
        default: "That did not work; please try again."
        }
    }
}

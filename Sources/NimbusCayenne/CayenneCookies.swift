import Foundation
import Hummingbird
import NimbusCore

/// The two cookies of the browser flows, both scoped to `/cayenne`, `HttpOnly`, and `Secure` when the
/// public URL is `https`:
/// - `nimbus_csrf`: a random value that every form repeats in a hidden field (double-submit), so a
///   form posted from another site, which can neither read nor set it, is refused. `SameSite=Strict`.
/// - `nimbus_sso`: the single sign-on token (signed by Nimbus, one week). `SameSite=Lax`, so it is sent
///   when an app links the browser to the authorization page.
struct CayenneCookies {
    static let csrf = "nimbus_csrf"
    static let singleSignOn = "nimbus_sso"

    let secure: Bool
    let singleSignOnLifetime: TimeInterval

    /// The CSRF value of this browser, and the cookie to set when it has none yet.
    func csrfToken(in request: Request) -> (value: String, cookie: Cookie?) {
        if let existing = request.cookies[Self.csrf]?.value, existing.utf8.count >= 32, existing.utf8.count <= 64 {
            return (existing, nil)
        }
        let value = Secrets.token(prefix: "")
        return (value, Cookie(name: Self.csrf, value: value, path: CayenneDialect.pathPrefix, secure: secure, httpOnly: true, sameSite: .strict))
    }

    /// Whether a posted form's CSRF field equals the browser's cookie (compared in constant time).
    func csrfMatches(request: Request, posted: String?) -> Bool {
        guard let cookie = request.cookies[Self.csrf]?.value, !cookie.isEmpty, let posted else { return false }
        return Secrets.constantTimeEquals(cookie, posted)
    }

    func singleSignOn(_ token: String) -> Cookie {
        Cookie(
            name: Self.singleSignOn, value: token, maxAge: Int(singleSignOnLifetime), path: CayenneDialect.pathPrefix, secure: secure,
            httpOnly: true, sameSite: .lax)
    }
}

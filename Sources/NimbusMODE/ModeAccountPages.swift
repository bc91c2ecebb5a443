import Foundation
import Hummingbird
import NimbusCore
import NimbusHTTP

/// The small HTML pages behind the links in verification and password reset emails, so that a
/// person who clicks the link gets somewhere without an app.
struct ModeAccountPages {
    let accounts: AccountUseCases

    func addRoutes(to routes: ModeRoutes) {
        routes.open.get("auth/user/emailVerification", use: verifyEmail)
        routes.open.get("auth/user/passwordReset", use: resetForm)
    }

    func verifyEmail(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        do {
            let user = try await accounts.verifyEmail(token: request.query("token") ?? "")
            return Self.page(title: "Email verified", body: "<p>Thank you. The address <b>\(HTML.escape(user.email ?? ""))</b> is verified; you can return to the app.</p>")
        } catch NimbusError.rejected(.invalidToken) {
            return Self.page(status: .forbidden, title: "Link expired", body: "<p>This link is invalid, expired, or was already used.</p>")
        }
    }

    func resetForm(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let token = HTML.escape(request.query("token") ?? "")
        return Self.page(title: "Choose a new password", body: """
            <form method="post" action="passwordReset">
              <input type="hidden" name="token" value="\(token)">
              <label>New password (at least 8 characters)<br><input type="password" name="newPassword" minlength="8" required></label>
              <p><button type="submit">Set password</button></p>
            </form>
            """)
    }

    static func page(status: HTTPResponse.Status = .ok, title: String, body: String) -> Response {
        HTMLPage(status: status, title: title, body: body).response()
    }
}

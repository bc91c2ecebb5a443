import Foundation
import Hummingbird
import NimbusCore
import NimbusHTTP

/// `/sessions`: signing in with email and password (an OAuth password grant of the dialect's app), refreshing, and
/// signing out. Without `multi=true`, a sign-in or refresh ends the user's other sessions, as the vendor's does.
struct WiFiMotionSessionsController: Sendable {
    let accounts: AccountUseCases
    let oauth: OAuthUseCases
    let authenticator: Authenticator
    let space: WiFiMotionSpace

    func addRoutes(open: RouterGroup<NimbusRequestContext>, credentialed: RouterGroup<NimbusRequestContext>) {
        open.post("sessions", use: signIn)
        open.patch("sessions", use: refresh)
        credentialed.delete("sessions", use: signOut)
    }

    @Sendable func signIn(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let fields = try await WiFiMotionFields.read(request, context: context)
        let email = try fields.requiredString("email")
        let password = try fields.requiredString("password")
        return try await session(
            OAuthUseCases.TokenRequest(grantType: "password", clientId: space.appId, email: email, password: password, address: context.remoteAddress),
            keepingOthers: try request.wifiMotionFlag("multi") ?? false)
    }

    /// The body's `token` is the session's refresh token (a used one is refused, and ends that sign-in).
    @Sendable func refresh(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let fields = try await WiFiMotionFields.read(request, context: context)
        let token = try fields.requiredString("token")
        return try await session(
            OAuthUseCases.TokenRequest(grantType: "refresh_token", clientId: space.appId, refreshToken: token, address: context.remoteAddress),
            keepingOthers: try request.wifiMotionFlag("multi") ?? false)
    }

    @Sendable func signOut(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        try await accounts.endSession(of: context.principal)
        return Response(status: .noContent)
    }

    private func session(_ grant: OAuthUseCases.TokenRequest, keepingOthers: Bool) async throws -> Response {
        let tokens = try await oauth.token(grant)
        let principal = try await authenticator.authenticate(token: tokens.accessToken)
        guard case .user(let userId, _, _, _) = principal else { throw NimbusError.invalidCredential }
        if !keepingOthers { try await accounts.endOtherSessions(of: principal) }
        let user = try await accounts.user(userId, by: principal)
        return WiFiMotionWire.session(token: tokens.accessToken, refreshToken: tokens.refreshToken, user: user).response()
    }
}

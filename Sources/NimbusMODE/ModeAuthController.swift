import Hummingbird
import NimbusCore
import NimbusHTTP

/// `/auth`, `/auth/user…` and `/userSession`: signing in, verification, password reset, sessions.
struct ModeAuthController {
    let accounts: AccountUseCases
    /// Where the emailed links point: MODE's account pages.
    let links: AccountLinks

    func addRoutes(to routes: ModeRoutes) {
        routes.open.get("auth", use: authInfo)
        routes.open.post("auth/user", use: signIn)
        routes.open.post("auth/user/sms", use: sendSMS)
        routes.open.post("auth/user/emailVerification", use: verifyEmail)
        routes.open.post("auth/user/emailVerification/start", use: startEmailVerification)
        routes.open.post("auth/user/passwordReset", use: resetPassword)
        routes.open.post("auth/user/passwordReset/start", use: startPasswordReset)
        routes.credentialed.get("userSession", use: sessionInfo)
        routes.credentialed.delete("userSession", use: endSession)
    }

    /// Says who the credential belongs to; `nobody` without one.
    func authInfo(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        var info: ModeWire.AuthInfo
        switch context.principal {
        case .user(let userId, let projectId, _, let appId):
            info = ModeWire.AuthInfo(type: "user", userId: userId, appId: appId, projectId: projectId)
        case .device(let deviceId, let projectId):
            info = ModeWire.AuthInfo(type: "device", deviceId: deviceId, projectId: projectId)
        case .projectKey(_, let projectId, let name, _):
            info = ModeWire.AuthInfo(type: "project key", projectKeyName: name, projectId: projectId)
        case .client(let appId, let projectId):
            info = ModeWire.AuthInfo(type: "app", appId: appId, projectId: projectId)
        case .system, .anonymous:
            info = ModeWire.AuthInfo(type: "nobody")
        }
        return try ModeResponse.json(info)
    }

    func signIn(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let fields = try await RequestFields.read(request, context: context)
        let issued = try await accounts.signIn(
            SignInRequest(
                projectId: try fields.int("projectId"), appId: try fields.string("appId"), email: try fields.string("email"),
                password: try fields.string("password"), phoneNumber: try fields.string("phoneNumber"), code: try fields.string("code"),
                userId: try fields.int("userId"), address: context.remoteAddress),
            by: context.principal)
        return try ModeResponse.json(ModeWire.ClientAuthentication(
            token: issued.token, userId: issued.session.userId, projectId: issued.session.projectId, appId: issued.session.appId))
    }

    func sendSMS(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let fields = try await RequestFields.read(request, context: context)
        let recipient = try await accounts.sendSMSCode(
            projectId: try fields.requiredInt("projectId"), phoneNumber: try fields.requiredString("phoneNumber"), address: context.remoteAddress)
        return try ModeResponse.json(["recipient": recipient])
    }

    func verifyEmail(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let fields = try await RequestFields.read(request, context: context)
        let user = try await accounts.verifyEmail(token: try fields.requiredString("token"))
        return try ModeResponse.json(ProjectEmail(projectId: user.projectId, email: user.email ?? ""))
    }

    func startEmailVerification(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let fields = try await RequestFields.read(request, context: context)
        let email = try await accounts.startEmailVerification(
            projectId: try fields.requiredInt("projectId"), email: try fields.requiredString("email"), address: context.remoteAddress,
            link: links.emailVerification)
        return try ModeResponse.json(["email": email])
    }

    func resetPassword(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let fields = try await RequestFields.read(request, context: context)
        let user = try await accounts.resetPassword(token: try fields.requiredString("token"), newPassword: try fields.requiredString("newPassword"))
        return try ModeResponse.json(ProjectEmail(projectId: user.projectId, email: user.email ?? ""))
    }

    func startPasswordReset(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let fields = try await RequestFields.read(request, context: context)
        let email = try await accounts.startPasswordReset(
            projectId: try fields.requiredInt("projectId"), email: try fields.requiredString("email"), address: context.remoteAddress,
            link: links.passwordReset)
        return try ModeResponse.json(["email": email])
    }

    func sessionInfo(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let session = try await accounts.session(of: context.principal)
        return try ModeResponse.json(ModeWire.SessionInfo(
            userId: session.userId, appId: session.appId, projectId: session.projectId, creationTime: ModeWire.time(session.creationTime)))
    }

    func endSession(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        try await accounts.endSession(of: context.principal)
        return ModeResponse.noContent()
    }

    struct ProjectEmail: Encodable {
        let projectId: Int
        let email: String
    }
}

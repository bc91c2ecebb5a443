import Foundation
import Hummingbird
import NimbusCore
import NimbusHTTP

/// The WiFi Motion dialect: Cognitive Systems' App Cloud API under `/wifimotion/api/v1/` (`docs/wifimotion.md`),
/// for the users of one project (the setting `wifimotion-project`), who sign in through that project's app.
public struct WiFiMotionDialect: Sendable {
    public static let pathPrefix = "/wifimotion"
    /// Every route below, described in `OpenAPI/wifimotion.json` (a test keeps the two equal).
    public static let openAPI = OpenAPIDocument(name: "wifimotion", bundle: .module)
    let nimbus: Nimbus
    let space: WiFiMotionSpace
    let publicURL: PublicURL

    /// Finds or makes the project named `projectName` and its sign-in app (`AdminUseCases.ensureEmailProject`).
    public static func start(nimbus: Nimbus, projectName: String, publicURL: PublicURL) async throws -> WiFiMotionDialect {
        let (project, app) = try await nimbus.admin.ensureEmailProject(named: projectName, appPrefix: "wifimotion", by: .system)
        return WiFiMotionDialect(nimbus: nimbus, space: WiFiMotionSpace(projectId: project.id, appId: app.id), publicURL: publicURL)
    }

    /// - Parameters:
    ///   - webSocketRouter: where the `/motions` WebSocket goes.
    ///   - hubs: the sensor hubs' MQTT links, through which pairing reaches a hub.
    public func addRoutes(to router: Router<NimbusRequestContext>, webSocketRouter: Router<NimbusRequestContext>, hubs: WiFiMotionHubLinks) {
        router.add(middleware: DialectErrorMiddleware(pathPrefix: Self.pathPrefix, format: WiFiMotionErrorFormat()))
        Self.openAPI.addRoute(to: router)
        let open = router.group("wifimotion/api/v1").add(middleware: WiFiMotionAuthenticator(authenticator: nimbus.authenticator, space: space))
        // Everything but signing in and up and the mails about them needs a caller, checked before the request is read.
        let credentialed = open.group().add(middleware: WiFiMotionRequireCaller())
        let base = publicURL.dialectBase(Self.pathPrefix) + "/api/v1"
        WiFiMotionSessionsController(accounts: nimbus.accounts, oauth: nimbus.oauth, authenticator: nimbus.authenticator, space: space)
            .addRoutes(open: open, credentialed: credentialed)
        WiFiMotionUsersController(
            accounts: nimbus.accounts, space: space,
            links: AccountLinks(emailVerification: { "\(base)/confirmations?token=\($0)" }, passwordReset: { "\(base)/password_resets?token=\($0)" })
        ).addRoutes(open: open, credentialed: credentialed)
        let api = credentialed
        WiFiMotionNetworksController(homes: nimbus.homes).addRoutes(to: api)
        WiFiMotionMembershipsController(homes: nimbus.homes).addRoutes(to: api)
        WiFiMotionSensorsController(nimbus: nimbus, hubs: hubs, host: URL(string: publicURL.base)?.host ?? "localhost").addRoutes(to: api)
        WiFiMotionSoundingController(homes: nimbus.homes).addRoutes(to: api)
        WiFiMotionEventsController(homes: nimbus.homes, events: nimbus.events).addRoutes(to: api)
        WiFiMotionHistoryController(nimbus: nimbus).addRoutes(to: api)
        // The access-point agent's Core API paths, with a project key.
        WiFiMotionAgentAPI(nimbus: nimbus).addRoutes(
            to: router.group("wifimotion/mns").add(middleware: WiFiMotionAuthenticator(authenticator: nimbus.authenticator, space: space, caller: .agent)))
        let motions = WiFiMotionMotions(nimbus: nimbus, space: space)
        motions.addRefusal(to: router)
        motions.addRoutes(to: webSocketRouter)
    }
}

/// The project WiFi Motion's users live in and the app they sign in through.
struct WiFiMotionSpace: Sendable {
    let projectId: Int
    let appId: String
}

/// Refuses a request without a caller (`401`) before anything else is done with it.
struct WiFiMotionRequireCaller: RouterMiddleware {
    typealias Context = NimbusRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if case .anonymous = context.principal { throw NimbusError.authenticationRequired }
        return try await next(request, context)
    }
}

/// Finds the caller from `Authorization: <token>` (the sample client sends the token raw) or `Bearer <token>`, or from
/// the query parameter `tokenParameter`. Only the WiFi Motion project's callers of the kind asked for are taken: its
/// users on the App Cloud API, its project keys on the agent's Core API paths (which need one); any other token is
/// refused as unknown.
struct WiFiMotionAuthenticator: RouterMiddleware {
    typealias Context = NimbusRequestContext
    enum Caller: Sendable {
        /// A signed-in user of the project; a request without a token goes on as anonymous.
        case user
        /// A project key of the project (the access-point agent); required.
        case agent
    }

    let authenticator: Authenticator
    let space: WiFiMotionSpace
    var caller = Caller.user
    /// A query parameter that may carry the token instead (`token` on the `/motions` WebSocket).
    var tokenParameter: String?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let queried = tokenParameter.flatMap { request.uri.queryParameters.get($0) }
        guard var token = (request.headers[.authorization] ?? queried)?.trimmingCharacters(in: .whitespaces), !token.isEmpty else {
            if caller == .agent { throw NimbusError.authenticationRequired }
            return try await next(request, context)
        }
        if token.lowercased().hasPrefix("bearer ") { token = String(token.dropFirst(7)).trimmingCharacters(in: .whitespaces) }
        let principal = try await authenticator.authenticate(token: token)
        switch (caller, principal) {
        case (.user, .user(_, let projectId, _, _)) where projectId == space.projectId: break
        case (.agent, .projectKey(_, let projectId, _, _)) where projectId == space.projectId: break
        default: throw NimbusError.invalidCredential
        }
        var context = context
        context.principal = principal
        return try await next(request, context)
    }
}

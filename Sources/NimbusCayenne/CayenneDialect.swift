import Foundation
import Hummingbird
import NimbusCore
import NimbusHTTP

/// The Cayenne dialect: the auth service (OAuth 2.0 server, users, password reset, applications)
/// under `/cayenne`, plus the OAuth metadata and keys under `/.well-known`.
public struct CayenneDialect: Sendable {
    public static let pathPrefix = "/cayenne"
    /// Where the newer clients find the token, authorization and userinfo endpoints (Cayenne's Keycloak realm),
    /// below the prefix: `/cayenne/auth/realms/cayenne/protocol/openid-connect/{token,auth,userinfo}`.
    static let keycloakPath = "auth/realms/cayenne/protocol/openid-connect"
    /// Every route below, described in `OpenAPI/cayenne.json` (a test keeps the two equal).
    public static let openAPI = OpenAPIDocument(name: "cayenne", bundle: .module)
    let nimbus: Nimbus
    /// The server's public URL: the base of the issuer, links and metadata.
    let publicURL: PublicURL
    let dataTypes: CayenneDataTypes

    /// - Throws: when a resource of the module is missing (an install without `nimbus_NimbusCayenne.resources`).
    public init(nimbus: Nimbus, publicURL: PublicURL) throws {
        self.nimbus = nimbus
        self.publicURL = publicURL
        self.dataTypes = try CayenneDataTypes()
    }

    /// The OAuth issuer of a server reachable at `publicURL`, this dialect's base: access tokens carry
    /// it as `iss`, and the metadata names it. The server and the admin commands both take it from here.
    public static func issuer(of publicURL: PublicURL) -> String {
        publicURL.dialectBase(pathPrefix)
    }

    public func addRoutes(to router: Router<NimbusRequestContext>, webSocketRouter: Router<NimbusRequestContext>) {
        // Router-level, so that it also formats the errors of unknown paths under /cayenne.
        router.add(middleware: DialectErrorMiddleware(pathPrefix: Self.pathPrefix, format: CayenneErrorFormat()))
        Self.openAPI.addRoute(to: router)
        let cayenne = router.group("cayenne")
        let cookies = CayenneCookies(secure: publicURL.isHTTPS, singleSignOnLifetime: nimbus.environment.oauth.singleSignOnLifetime)
        CayenneTokenController(oauth: nimbus.oauth, publicURL: publicURL).addRoutes(to: cayenne, root: router)
        let passwordResetLink: @Sendable (String) -> String = { [base = publicURL.dialectBase(Self.pathPrefix)] in "\(base)/password/reset?token=\($0)" }
        let authorizePages = CayenneAuthorizePages(oauth: nimbus.oauth, cookies: cookies)
        authorizePages.addRoutes(to: cayenne)
        CayenneAccountPages(authorize: authorizePages, accounts: nimbus.accounts, passwordResetLink: passwordResetLink).addRoutes(to: cayenne)
        let api = cayenne.group().add(middleware: CayenneAuthenticator(authenticator: nimbus.authenticator))
        let accountUsers = CayenneAccountUsersController(members: nimbus.accountMembers)
        accountUsers.addRoutes(to: api)
        CayenneUsersController(
            accounts: nimbus.accounts, oauth: nimbus.oauth, accountUsers: accountUsers, passwordResetLink: passwordResetLink
        ).addRoutes(to: api)
        CayenneApplicationsController(applications: nimbus.applications).addRoutes(to: api)
        // The platform API (`API_HOST = <nimbus>/cayenne/v1.1/`).
        let platform = api.group("v1.1")
        CayenneThingsController(things: nimbus.things, commands: nimbus.thingCommands).addRoutes(to: platform)
        CayenneThingTypesController(types: nimbus.thingTypes).addRoutes(to: platform)
        CayenneClientsController(clients: nimbus.mqttClients).addRoutes(to: platform)
        CayenneRegistryController(registry: nimbus.registry).addRoutes(to: platform)
        CayenneTelemetryController(telemetry: nimbus.telemetry).addRoutes(platform: platform, api: api)
        CayenneReadingExport(telemetry: nimbus.telemetry).addRoutes(to: api)
        CayenneHistoryController(telemetry: nimbus.telemetry).addRoutes(to: api)
        // Rules: the seed's `/v1.1/rules` and the executor's `/v1.0/rules…` (`RULES_HOST = <nimbus>/cayenne/`).
        CayenneRulesController(rules: nimbus.rules).addRoutes(platform: platform, executor: api.group("v1.0"))
        CayenneJobsController(jobs: nimbus.jobs, clock: nimbus.environment.clock).addRoutes(to: platform)
        dataTypes.addRoutes(to: cayenne)
        // HTTP push and LoRaWAN uplinks, signed with the account's MQTT credentials (no Bearer token).
        CayennePushController(
            clients: nimbus.mqttClients, readings: nimbus.readings, types: nimbus.thingTypes, clock: nimbus.environment.clock
        ).addRoutes(to: cayenne)
        // The account's live stream.
        let stream = CayenneStream(nimbus: nimbus, dataTypes: dataTypes)
        stream.addRefusals(to: router)
        webSocketRouter.add(middleware: DialectErrorMiddleware(pathPrefix: Self.pathPrefix, format: CayenneErrorFormat()))
        stream.addRoutes(to: webSocketRouter)
    }
}

/// Finds the caller from `Authorization: Bearer <token>`: an OAuth access token, or any other Nimbus
/// token (a project key manages applications). A token that is presented but unknown is refused at
/// once; `X-API-Version` is accepted and needs nothing.
struct CayenneAuthenticator: RouterMiddleware {
    typealias Context = NimbusRequestContext
    let authenticator: Authenticator

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization] else { return try await next(request, context) }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { throw NimbusError.invalidCredential }
        var context = context
        context.principal = try await authenticator.authenticate(token: String(parts[1]).trimmingCharacters(in: .whitespaces))
        return try await next(request, context)
    }
}

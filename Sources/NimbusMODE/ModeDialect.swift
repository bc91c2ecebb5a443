import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging
import NimbusCore
import NimbusHTTP

/// The MODE dialect: MODE's REST API and WebSockets under `/mode`, translated into core use cases.
public struct ModeDialect: Sendable {
    public static let pathPrefix = "/mode"
    /// Every route below, described in `OpenAPI/mode.json` (a test keeps the two equal).
    public static let openAPI = OpenAPIDocument(name: "mode", bundle: .module)
    let nimbus: Nimbus
    /// The links in the account emails MODE's endpoints send.
    let links: AccountLinks

    public init(nimbus: Nimbus, publicURL: PublicURL) {
        self.nimbus = nimbus
        self.links = Self.accountLinks(publicURL: publicURL)
    }

    /// The observers MODE adds to the event write path: its smart modules (webhook deliveries, time series).
    public static func eventObservers(
        wakeOutbox: @escaping @Sendable () -> Void, limits: ThingLimits = ThingLimits()
    ) -> [any IngestObserver<Event>] {
        [ModeSmartModuleObserver(wakeOutbox: wakeOutbox, limits: limits)]
    }

    /// The links in account emails point at this dialect's pages.
    public static func accountLinks(publicURL: PublicURL) -> AccountLinks {
        let base = publicURL.dialectBase(pathPrefix)
        return AccountLinks(
            emailVerification: { "\(base)/auth/user/emailVerification?token=\($0)" },
            passwordReset: { "\(base)/auth/user/passwordReset?token=\($0)" })
    }

    /// CORS around MODE's error rendering. Router-level, so that unknown paths under /mode get both.
    static func addErrorHandling(to router: Router<NimbusRequestContext>) {
        router.add(middleware: ModeCORSMiddleware())
        router.add(middleware: DialectErrorMiddleware(pathPrefix: pathPrefix, format: ModeErrorFormat()))
    }

    /// The routes answered below the router (`HTTP1WebSocketChannel.http1WebSockets(…, earlyRoutes:)`): a device's
    /// own event PUT.
    public func earlyRoutes(logger: Logger) -> [any EarlyRoute] {
        [ModeEventEarlyRoute(authenticator: nimbus.authenticator, events: nimbus.events, logger: logger)]
    }

    /// Adds the REST routes to the HTTP router and the WebSocket routes to the WebSocket router.
    public func addRoutes(to router: Router<NimbusRequestContext>, webSocketRouter: Router<NimbusRequestContext>) {
        Self.addErrorHandling(to: router)
        Self.openAPI.addRoute(to: router)
        let open = router.group("mode").add(middleware: ModeAuthenticator(authenticator: nimbus.authenticator))
        let routes = ModeRoutes(open: open, credentialed: open.group().add(middleware: ModeRequireCredential()))
        ModeUsersController(accounts: nimbus.accounts, links: links).addRoutes(to: routes)
        ModeAuthController(accounts: nimbus.accounts, links: links).addRoutes(to: routes)
        ModeAccountPages(accounts: nimbus.accounts).addRoutes(to: routes)
        ModeHomesController(homes: nimbus.homes, events: nimbus.events, devices: nimbus.devices).addRoutes(to: routes)
        ModeKeyValueController(keyValues: nimbus.keyValues).addRoutes(to: routes)
        ModeTimeSeriesController(timeSeries: nimbus.timeSeries).addRoutes(to: routes)
        ModeDevicesController(devices: nimbus.devices, events: nimbus.events).addRoutes(to: routes)
        let sockets = ModeWebSockets(nimbus: nimbus)
        sockets.addRefusals(to: routes)
        Self.addErrorHandling(to: webSocketRouter)
        webSocketRouter.add(middleware: ModeAuthenticator(authenticator: nimbus.authenticator))
        sockets.addRoutes(to: webSocketRouter)
    }
}

import Foundation
import Hummingbird
import HummingbirdWebSocket
import NimbusCore
import NimbusHTTP

/// The MODE dialect: MODE's REST API and WebSockets under `/mode`, translated into core use cases.
public struct ModeDialect: Sendable {
    public static let pathPrefix = "/mode"
    /// Every route below, described in `OpenAPI/mode.json` (a test keeps the two equal).
    public static let openAPI = OpenAPIDocument(name: "mode", bundle: .module)
    let nimbus: Nimbus

    public init(nimbus: Nimbus) {
        self.nimbus = nimbus
    }

    /// The links in account emails point at this dialect's pages.
    public static func accountLinks(publicURL: String) -> AccountLinks {
        let base = publicURL.hasSuffix("/") ? String(publicURL.dropLast()) : publicURL
        return AccountLinks(
            emailVerification: { "\(base)\(pathPrefix)/auth/user/emailVerification?token=\($0)" },
            passwordReset: { "\(base)\(pathPrefix)/auth/user/passwordReset?token=\($0)" })
    }

    /// Adds the REST routes to the HTTP router and the WebSocket routes to the WebSocket router.
    public func addRoutes(to router: Router<NimbusRequestContext>, webSocketRouter: Router<NimbusRequestContext>) {
        // Router-level, so that it also formats the errors of unknown paths under /mode.
        router.add(middleware: ModeErrorMiddleware())
        Self.openAPI.addRoute(to: router)
        let open = router.group("mode").add(middleware: ModeAuthenticator(authenticator: nimbus.authenticator))
        let routes = ModeRoutes(open: open, credentialed: open.group().add(middleware: ModeRequireCredential()))
        ModeUsersController(accounts: nimbus.accounts).addRoutes(to: routes)
        ModeAuthController(accounts: nimbus.accounts).addRoutes(to: routes)
        ModeAccountPages(accounts: nimbus.accounts).addRoutes(to: routes)
        ModeHomesController(homes: nimbus.homes, events: nimbus.events, devices: nimbus.devices).addRoutes(to: routes)
        ModeKeyValueController(keyValues: nimbus.keyValues).addRoutes(to: routes)
        ModeDevicesController(devices: nimbus.devices, events: nimbus.events).addRoutes(to: routes)
        let sockets = ModeWebSockets(nimbus: nimbus)
        sockets.addRefusals(to: routes)
        webSocketRouter.add(middleware: ModeErrorMiddleware())
        webSocketRouter.add(middleware: ModeAuthenticator(authenticator: nimbus.authenticator))
        sockets.addRoutes(to: webSocketRouter)
    }
}

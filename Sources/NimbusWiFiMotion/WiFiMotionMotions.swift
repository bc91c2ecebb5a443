import Foundation
import Hummingbird
import HTTPTypes
import NimbusCore
import NimbusHTTP

/// The live `/motions` WebSocket (`wss://…/api/v1/motions?token=<token>&network_id=<id>`, as the sample client opens
/// it): one text frame per event the agent reports for that network, as the events list shows it. Closes when the
/// session ends, or when the client reads too slowly for its bounded queue.
struct WiFiMotionMotions: Sendable {
    static let path = "/wifimotion/api/v1/motions"
    let nimbus: Nimbus
    let space: WiFiMotionSpace

    func addRoutes(to webSocketRouter: Router<NimbusRequestContext>) {
        webSocketRouter.group()
            .add(middleware: DialectErrorMiddleware(pathPrefix: WiFiMotionDialect.pathPrefix, format: WiFiMotionErrorFormat()))
            .add(middleware: WiFiMotionAuthenticator(authenticator: nimbus.authenticator, space: space, tokenParameter: "token"))
            .webSocket(RouterPath(Self.path), admit: admit) { inbound, outbound, session in
                guard let networkId = Int(session.request.uri.queryParameters.get("network_id") ?? "") else { return }
                let subscription = try nimbus.live.userEvents(of: session.requestContext.principal)
                try await LiveWebSocket.pump(subscription, inbound: inbound, outbound: outbound, logger: session.logger) { message in
                    guard case .event(let event) = message, event.homeId == networkId else { return [] }
                    return [WiFiMotionEventsController.json(event).jsonText]
                }
            }
    }

    /// A plain HTTP request to the path gets the same checks, then `400`.
    func addRefusal(to router: Router<NimbusRequestContext>) {
        router.group()
            .add(middleware: WiFiMotionAuthenticator(authenticator: nimbus.authenticator, space: space, tokenParameter: "token"))
            .get(RouterPath(Self.path)) { request, context -> Response in
                _ = try await admit(request, context)
                throw WiFiMotionError.invalid("Upgrade", "a WebSocket upgrade is required")
            }
    }

    /// A signed-in member of `network_id`.
    @Sendable func admit(_ request: Request, _ context: NimbusRequestContext) async throws -> HTTPFields {
        guard case .user = context.principal else { throw NimbusError.authenticationRequired }
        guard let text = request.uri.queryParameters.get("network_id"), let networkId = Int(text) else {
            throw WiFiMotionError.invalid("network_id", "required")
        }
        _ = try await nimbus.homes.get(networkId, by: context.principal)
        return [:]
    }
}

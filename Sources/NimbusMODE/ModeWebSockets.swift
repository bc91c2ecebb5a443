import Hummingbird
import HTTPTypes
import HummingbirdWebSocket
import NimbusCore
import NimbusHTTP

/// MODE's two WebSockets: a user's event stream and a device's command channel. Both forward what
/// the bus delivers to their topics, and close (1008) when their credential is revoked or when the
/// client reads too slowly for its bounded queue.
struct ModeWebSockets {
    let nimbus: Nimbus

    func addRoutes(to router: Router<NimbusRequestContext>) {
        router.webSocket("/mode/userSession/websocket", admit: admitUserStream) { inbound, outbound, session in
            let subscription = try nimbus.live.userEvents(of: session.requestContext.principal)
            try await LiveWebSocket.pump(subscription, inbound: inbound, outbound: outbound, logger: session.logger) { message in
                guard case .event(let event) = message else { return [] }
                return [try ModeWire.json(ModeWire.Event(event))]
            }
        }
        router.webSocket("/mode/devices/{deviceId}/command", admit: admitCommandChannel) { inbound, outbound, session in
            guard case .device(let deviceId, _) = session.requestContext.principal else { return }
            let subscription = try nimbus.live.deviceChannel(of: session.requestContext.principal)
            await nimbus.connections.connected(deviceId)
            defer { Task { await nimbus.connections.disconnected(deviceId) } }
            try await LiveWebSocket.pump(subscription, inbound: inbound, outbound: outbound, logger: session.logger) { message in
                guard case .command(let command) = message else { return [] }
                return [try ModeWire.json(ModeWire.Command(command))]
            }
        }
    }

    /// Plain HTTP requests to the WebSocket paths get the same credential checks as an upgrade, then
    /// `WEBSOCKET_REQUIRED`: a client learns first what is wrong with its credential.
    func addRefusals(to routes: ModeRoutes) {
        routes.open.get("userSession/websocket") { request, context -> Response in
            _ = try await admitUserStream(request, context)
            throw ModeError(.badRequest, "WEBSOCKET_REQUIRED")
        }
        routes.open.get("devices/{deviceId}/command") { request, context -> Response in
            _ = try await admitCommandChannel(request, context)
            throw ModeError(.badRequest, "WEBSOCKET_REQUIRED")
        }
    }

    /// A user's event stream needs a live session token.
    @Sendable func admitUserStream(_ request: Request, _ context: NimbusRequestContext) async throws -> HTTPFields {
        _ = try await nimbus.accounts.session(of: context.principal)
        return [:]
    }

    /// A device's command channel needs that device's own API key.
    @Sendable func admitCommandChannel(_ request: Request, _ context: NimbusRequestContext) async throws -> HTTPFields {
        _ = try await nimbus.devices.authorizeCommandChannel(try context.id("deviceId"), by: context.principal)
        return [:]
    }
}

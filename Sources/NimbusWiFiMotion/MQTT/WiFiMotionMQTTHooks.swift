import Foundation
import Logging
import NIOCore
import NimbusCore
import NimbusMQTT

/// The sensor hub's side of the broker (`docs/wifimotion.md`, "Sensors"): the hub connects with its network's external
/// account (user name `userThingName`, password the account's secret) and its own thing name as client id, while the
/// network's integration is enabled. It may use only `wifimotion/{userThingName}/{hubThingName}/…`, where it reports
/// itself and the sensors it pairs; each report is stored before it is acknowledged (QoS 1).
public struct WiFiMotionMQTTHooks: MQTTHooks {
    struct Identity: Sendable {
        let hubId: Int
        let projectId: Int
        let principal: Principal
        let prefix: String
    }

    let nimbus: Nimbus
    let links: WiFiMotionHubLinks

    public init(nimbus: Nimbus, links: WiFiMotionHubLinks) {
        self.nimbus = nimbus
        self.links = links
    }

    static func mountPoint(project projectId: Int) -> String { "w\(projectId)/" }

    static func prefix(userThingName: String, hubThingName: String) -> String { "wifimotion/\(userThingName)/\(hubThingName)/" }

    /// Thing names: 1 to 64 letters, digits, `_` and `-` (`SENSOR_<16 hex>`, `HUB_…`), so they are safe in a topic.
    static func isThingName(_ text: some StringProtocol) -> Bool {
        (1...64).contains(text.count) && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }
    }

    public func authenticate(_ request: MQTTConnectRequest) async -> MQTTAuthentication {
        guard let username = request.username, let clientId = WiFiMotionIntegration.clientId(ofUserThingName: username) else { return .notRecognised }
        guard let password = request.password.flatMap({ String(validating: $0, as: UTF8.self) }) else { return .refused(.badUserNameOrPassword) }
        guard Self.isThingName(request.clientIdentifier) else { return .refused(.clientIdentifierNotValid) }
        do {
            let account = try await nimbus.mqttClients.account(clientId: clientId, password: password)
            let stored = try await nimbus.homes.setting(WiFiMotionIntegration.key, of: account.homeId, by: .system)?.value
            guard WiFiMotionIntegration(stored: stored)?.enabled == true else { return .refused(.notAuthorized) }
            let hub = try await nimbus.things.gateway(
                hardwareId: request.clientIdentifier, homeId: account.homeId, projectId: account.projectId, properties: ["deviceType": .string("MainHub")])
            guard hub.status == .activated else { return .refused(.notAuthorized) }
            let principal = Principal.device(deviceId: hub.id, projectId: hub.projectId)
            return .accepted(MQTTClient(
                mountPoint: Self.mountPoint(project: hub.projectId), owner: "thing:\(hub.id)", clientIdentifier: request.clientIdentifier,
                name: "WiFi Motion hub \(request.clientIdentifier) of network \(account.homeId)",
                context: Identity(hubId: hub.id, projectId: hub.projectId, principal: principal,
                                  prefix: Self.prefix(userThingName: username, hubThingName: request.clientIdentifier))))
        } catch MQTTClientUseCases.Refusal.badCredentials {
            return .refused(.badUserNameOrPassword)
        } catch NimbusError.limitReached {
            return .refused(.quotaExceeded)
        } catch {
            nimbus.environment.logger.error("could not check a WiFi Motion hub's connection", metadata: ["error": "\(error)"])
            return .refused(.serverUnavailable)
        }
    }

    public func mayPublish(_ client: MQTTClient, topic: String) -> Bool {
        guard let identity = client.context as? Identity else { return false }
        return topic.hasPrefix(identity.prefix)
    }

    public func maySubscribe(_ client: MQTTClient, filter: String) -> Bool {
        guard let identity = client.context as? Identity else { return false }
        return filter.hasPrefix(identity.prefix)
    }

    public func handlesPublications(to topic: String, from client: MQTTClient) -> Bool {
        guard let identity = client.context as? Identity else { return false }
        return topic.hasPrefix(identity.prefix) && !topic.dropFirst(identity.prefix.count).hasPrefix("cmd/")
    }

    public func received(_ message: MQTTMessage, from client: MQTTClient) async throws -> MQTTPublishDisposition {
        guard let identity = client.context as? Identity else { return .route }
        do {
            let report = try WiFiMotionHubReport(suffix: String(message.topic.dropFirst(identity.prefix.count)), payload: Array(message.payload.readableBytesView))
            try await apply(report, of: identity)
        } catch let error as NimbusError {
            switch error {
            case .invalidInput(let field, let reason): throw MQTTPublishRefusal(.payloadFormatInvalid, reason: "\(field): \(reason)")
            case .limitReached(let what, let limit): throw MQTTPublishRefusal(.quotaExceeded, reason: "at most \(limit) \(what)")
            case .notFound, .permissionDenied, .wrongCredentialKind: throw MQTTPublishRefusal(.notAuthorized, reason: "not this hub's")
            default: throw error
            }
        }
        return .route
    }

    private func apply(_ report: WiFiMotionHubReport, of identity: Identity) async throws {
        let things = nimbus.things
        switch report {
        case .hubOnline(let online):
            _ = try await things.reportedSelf(properties: ["online": .bool(online)], by: identity.principal)
        case .added(let name, let deviceType):
            _ = try await things.reportedChild(
                hardwareId: name, properties: ["deviceType": .string(deviceType), "online": .bool(true)], by: identity.principal)
        case .removed(let name):
            try await things.removeReportedChild(hardwareId: name, by: identity.principal)
        case .changed(let name, let properties, let readings):
            let sensor = try await things.reportedChild(hardwareId: name, properties: properties, by: identity.principal)
            // The hub reports for its sensor: the reading is the sensor's own, stored before the PUBACK.
            try await nimbus.readings.fromThing(sensor.id, readings: readings, by: .device(deviceId: sensor.id, projectId: sensor.projectId))
        }
    }

    public func connected(_ client: MQTTClient) async {
        guard let identity = client.context as? Identity else { return }
        await nimbus.connections.connected(identity.hubId)
        links.attach(identity, client: client.sessionKey)
    }

    public func disconnected(_ client: MQTTClient) async {
        guard let identity = client.context as? Identity else { return }
        links.detach(identity, client: client.sessionKey)
        await nimbus.connections.disconnected(identity.hubId)
    }
}

import Logging
import NimbusCore
import NimbusMQTT

/// MODE's side of the broker (`seed-apis.md` §1.4): who may connect, which topics each client may use, and what
/// a device's publications mean.
///
/// - A device connects with its decimal id as user name and its API key as password (and usually no client id);
///   it may use only its own topics, `/devices/{id}/…`. Its `event` publications become events exactly like
///   `PUT /devices/{id}/event`, acknowledged once stored; its `kv` publications change its key-value store, and it
///   hears every change (and, when it subscribes, the whole store) on the same topic.
/// - A project key with the `mqtt` permission connects with user name `apikey` and may publish and subscribe
///   anywhere in its project's tree, such as a backend that listens to every device.
///
/// Each project's clients live under their own mount point (`ModeMQTTTopics.mountPoint`).
public struct ModeMQTTHooks: MQTTHooks {
    /// Who an admitted client is, kept in `MQTTClient.context`.
    enum Identity: Sendable {
        case device(id: Int, principal: Principal)
        case projectKey(principal: Principal)
    }

    /// The user name of project-key clients.
    static let projectKeyUsername = "apikey"

    let nimbus: Nimbus
    let links: ModeMQTTDeviceLinks

    public init(nimbus: Nimbus, broker: MQTTBroker) {
        self.nimbus = nimbus
        self.links = ModeMQTTDeviceLinks(live: nimbus.live, broker: broker, logger: nimbus.environment.logger)
    }

    public func authenticate(_ request: MQTTConnectRequest) async -> MQTTAuthentication {
        guard let username = request.username, username == Self.projectKeyUsername || Int(username) != nil else {
            return .notRecognised
        }
        guard let password = request.password, let token = String(validating: password, as: UTF8.self),
            let principal = try? await nimbus.authenticator.authenticate(token: token)
        else { return .refused(.badUserNameOrPassword) }

        switch principal {
        case .projectKey(let keyId, let projectId, let name, let permissions) where username == Self.projectKeyUsername:
            guard permissions.contains(.mqtt) else { return .refused(.notAuthorized) }
            return .accepted(
                MQTTClient(
                    mountPoint: ModeMQTTTopics.mountPoint(project: projectId), owner: "key:\(keyId)",
                    clientIdentifier: request.clientIdentifier,
                    name: "project key \"\(name)\" of project \(projectId)", context: Identity.projectKey(principal: principal)))
        case .device(let deviceId, let projectId) where Int(username) == deviceId:
            return .accepted(
                MQTTClient(
                    mountPoint: ModeMQTTTopics.mountPoint(project: projectId), owner: "device:\(deviceId)",
                    clientIdentifier: request.clientIdentifier,
                    name: "device \(deviceId) of project \(projectId)", context: Identity.device(id: deviceId, principal: principal)))
        default:
            // A valid credential of another kind, or another device's key.
            return .refused(.badUserNameOrPassword)
        }
    }

    public func mayPublish(_ client: MQTTClient, topic: String) -> Bool {
        Self.staysInOwnTopics(client, topic)
    }

    public func maySubscribe(_ client: MQTTClient, filter: String) -> Bool {
        // Wildcards are fine below the device's own prefix, which is literal text: `/devices/7/#` stays in 7's topics.
        Self.staysInOwnTopics(client, filter)
    }

    public func handlesPublications(to topic: String, from client: MQTTClient) -> Bool {
        guard let (deviceId, _) = Self.device(of: client) else { return false }
        return topic == ModeMQTTTopics.event(deviceId) || topic == ModeMQTTTopics.keyValues(deviceId)
    }

    public func received(_ message: MQTTMessage, from client: MQTTClient) async throws -> MQTTPublishDisposition {
        guard let (deviceId, principal) = Self.device(of: client) else { return .route }
        do {
            switch try ModeMQTTDevicePublication(message, deviceId: deviceId) {
            case .event(let eventType, let eventData):
                try await nimbus.events.fromDevice(deviceId, eventType: eventType, eventData: eventData, by: principal)
                return .route
            case .setKeyValue(let key, let value):
                _ = try await nimbus.keyValues.put(.device(deviceId), key: key, value: value, by: principal)
            case .deleteKeyValue(let key):
                try await nimbus.keyValues.delete(.device(deviceId), key: key, by: principal)
            }
            // The change comes back to the device's `kv` subscribers from the bus, with its revision.
            return .consumed
        } catch let error as NimbusError {
            throw Self.refusal(error) ?? error
        }
    }

    /// A device's will on its `event` or `kv` topic must be a publication `received` would take.
    public func checkWill(_ will: MQTTMessage, from client: MQTTClient) throws {
        guard let (deviceId, _) = Self.device(of: client) else { return }
        _ = try ModeMQTTDevicePublication(will, deviceId: deviceId)
    }

    public func connected(_ client: MQTTClient) async {
        guard let (deviceId, principal) = Self.device(of: client), let projectId = principal.projectId else { return }
        do {
            try links.attach(deviceId: deviceId, projectId: projectId, principal: principal, client: client.sessionKey)
        } catch {
            // `device(of:)` found a device principal, which always gets its channel.
            nimbus.environment.logger.error("could not link a device's MQTT session to its channel", metadata: ["device.id": "\(deviceId)", "error": "\(error)"])
        }
        await nimbus.connections.connected(deviceId)
    }

    public func disconnected(_ client: MQTTClient) async {
        guard let (deviceId, _) = Self.device(of: client) else { return }
        links.detach(deviceId: deviceId, client: client.sessionKey)
        await nimbus.connections.disconnected(deviceId)
    }

    /// A device subscribing to its `kv` topic gets its whole store first (MODE's `reload`).
    public func subscribed(_ client: MQTTClient, filter: String) async -> [MQTTMessage] {
        guard let (deviceId, principal) = Self.device(of: client), filter == ModeMQTTTopics.keyValues(deviceId) else {
            return []
        }
        do {
            let (pairs, revision) = try await nimbus.keyValues.snapshot(.device(deviceId), by: principal)
            return [try ModeMQTTWire.message(ModeMQTTWire.KeyValueSync.reload(pairs, revision: revision), topic: filter)]
        } catch {
            nimbus.environment.logger.error("could not load a device's key-value store", metadata: ["device.id": "\(deviceId)", "error": "\(error)"])
            return []
        }
    }

    /// The core's refusals of bad input become MQTT refusals (never retried); store failures stay errors.
    private static func refusal(_ error: NimbusError) -> MQTTPublishRefusal? {
        switch error {
        case .invalidInput(let field, let reason): MQTTPublishRefusal(.payloadFormatInvalid, reason: "\(field): \(reason)")
        case .notFound(let what): MQTTPublishRefusal(.unspecifiedError, reason: "\(what) not found")
        case .rejected(let rule): MQTTPublishRefusal(.unspecifiedError, reason: rule.rawValue)
        case .permissionDenied, .invalidCredential, .wrongCredentialKind, .authenticationRequired:
            MQTTPublishRefusal(.notAuthorized, reason: "not authorized")
        default: nil
        }
    }

    /// The device a client is, or `nil` for a project key.
    private static func device(of client: MQTTClient) -> (id: Int, principal: Principal)? {
        guard case .device(let deviceId, let principal)? = client.context as? Identity else { return nil }
        return (deviceId, principal)
    }

    /// A device may use only topics and filters under `/devices/{id}/`; a project key may use its whole tree.
    private static func staysInOwnTopics(_ client: MQTTClient, _ topicOrFilter: String) -> Bool {
        guard let (deviceId, _) = device(of: client) else { return true }
        return topicOrFilter.hasPrefix(ModeMQTTTopics.devicePrefix(deviceId))
    }
}

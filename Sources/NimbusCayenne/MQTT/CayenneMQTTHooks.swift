import Foundation
import NIOCore
import NimbusCore
import Logging
import Metrics
import NimbusMQTT

/// Cayenne's side of the broker (`seed-apis.md` §2, `cayenne-clients.md` §7): a thing connects with its account's
/// MQTT credentials (`POST /v1.1/clients`: user name `id`, password `clear_secret`) and its thing id as MQTT
/// client id, over 3.1 (`MQIsdp`, the C and Arduino libraries) or 3.1.1. It may use only the topics under
/// `v1/{username}/things/{clientID}/`; its readings (`data/{ch}`, `data/json`, `digital/{ch}`, `analog/{ch}`)
/// are stored before they are acknowledged (QoS 1) and then routed like any message, so retained data stays
/// with the broker as usual.
///
/// Each project's Cayenne clients live under their own mount point (`CayenneMQTTTopics.mountPoint`).
public struct CayenneMQTTHooks: MQTTHooks {
    /// Who an admitted client is, kept in `MQTTClient.context`.
    struct Identity: Sendable {
        let thingId: Int
        let principal: Principal
        /// `v1/{username}/things/{clientID}/`, written as the client wrote its user name and client id.
        let prefix: String
    }

    let nimbus: Nimbus
    let links: CayenneMQTTThingLinks

    public init(nimbus: Nimbus, broker: MQTTBroker) {
        self.nimbus = nimbus
        self.links = CayenneMQTTThingLinks(nimbus: nimbus, broker: broker)
    }

    public func authenticate(_ request: MQTTConnectRequest) async -> MQTTAuthentication {
        // Cayenne's user names are UUIDs; MODE's are numbers or `apikey`.
        guard let username = request.username, UUID(uuidString: username) != nil else { return .notRecognised }
        guard let password = request.password.flatMap({ String(validating: $0, as: UTF8.self) }) else {
            return .refused(.badUserNameOrPassword)
        }
        do {
            let (thing, principal) = try await nimbus.mqttClients.authenticate(
                username: username, password: password, thing: .id(request.clientIdentifier))
            return .accepted(MQTTClient(
                mountPoint: CayenneMQTTTopics.mountPoint(project: thing.projectId), owner: "thing:\(thing.id)",
                clientIdentifier: request.clientIdentifier, name: "Cayenne thing \(thing.uuid.lowercaseString) of account \(thing.homeId ?? 0)",
                context: Identity(
                    thingId: thing.id, principal: principal,
                    prefix: CayenneMQTTTopics.thingPrefix(username: username, clientId: request.clientIdentifier))))
        } catch MQTTClientUseCases.Refusal.unknownThing {
            return .refused(.clientIdentifierNotValid)
        } catch MQTTClientUseCases.Refusal.badCredentials {
            return .refused(.badUserNameOrPassword)
        } catch {
            nimbus.environment.logger.error("could not check a Cayenne MQTT connection", metadata: ["error": "\(error)"])
            return .refused(.serverUnavailable)
        }
    }

    public func mayPublish(_ client: MQTTClient, topic: String) -> Bool {
        guard let identity = Self.identity(of: client) else { return false }
        return topic.hasPrefix(identity.prefix)
    }

    /// Wildcards are fine below the thing's own prefix, which is literal text.
    public func maySubscribe(_ client: MQTTClient, filter: String) -> Bool {
        guard let identity = Self.identity(of: client) else { return false }
        return filter.hasPrefix(identity.prefix)
    }

    public func handlesPublications(to topic: String, from client: MQTTClient) -> Bool {
        guard let identity = Self.identity(of: client), topic.hasPrefix(identity.prefix) else { return false }
        return true
    }

    public func received(_ message: MQTTMessage, from client: MQTTClient) async throws -> MQTTPublishDisposition {
        guard let identity = Self.identity(of: client) else { return .route }
        do {
            let publication = try CayenneMQTTPublication(
                suffix: String(message.topic.dropFirst(identity.prefix.count)), payload: Array(message.payload.readableBytesView),
                at: nimbus.environment.clock.now())
            try await apply(publication, of: identity)
        } catch let refusal as MQTTPublishRefusal {
            // Bad payloads and what the core refuses of them (too many readings, an unknown thing, a long `sys` value).
            Self.refused.increment()
            nimbus.environment.logger.info(
                "refused a Cayenne publication", metadata: ["thing.id": "\(identity.thingId)", "topic": "\(message.topic)", "reason": "\(refusal.reason)"])
            throw refusal
        }
        return .route
    }

    private func apply(_ publication: CayenneMQTTPublication, of identity: Identity) async throws {
        do {
            switch publication {
            case .readings(let readings):
                try await nimbus.readings.fromThing(identity.thingId, readings: readings, by: identity.principal)
            case .response(let seq, let error):
                try await nimbus.thingCommands.answer(seq: seq, error: error, by: identity.principal)
            case .system(let key?, let value):
                try await nimbus.things.setSystemInfo(key, to: value, of: identity.thingId, by: identity.principal)
            case .system(nil, _):
                break
            }
        } catch let error as NimbusError {
            throw Self.refusal(error) ?? error
        }
    }

    public func checkWill(_ will: MQTTMessage, from client: MQTTClient) throws {
        guard let identity = Self.identity(of: client) else { return }
        _ = try CayenneMQTTPublication(
            suffix: String(will.topic.dropFirst(identity.prefix.count)), payload: Array(will.payload.readableBytesView), at: Date())
    }

    /// The thing's commands reach it from now on, those that waited first.
    public func connected(_ client: MQTTClient) async {
        guard let identity = Self.identity(of: client) else { return }
        await nimbus.connections.connected(identity.thingId)
        links.attach(identity, mountPoint: client.mountPoint, client: client.sessionKey)
    }

    /// A thing subscribing to its commands (`cmd/+`, as every library does) gets those that waited for it, once.
    public func subscribed(_ client: MQTTClient, filter: String) async -> [MQTTMessage] {
        guard let identity = Self.identity(of: client),
              [identity.prefix + "cmd/+", identity.prefix + "cmd/#", identity.prefix + "#"].contains(filter)
        else { return [] }
        return await links.waitingCommands(for: identity)
    }

    public func disconnected(_ client: MQTTClient) async {
        guard let identity = Self.identity(of: client) else { return }
        links.detach(identity, client: client.sessionKey)
        await nimbus.connections.disconnected(identity.thingId)
    }

    /// The core's refusals of bad input become MQTT refusals (never retried); store failures stay errors.
    private static func refusal(_ error: NimbusError) -> MQTTPublishRefusal? {
        switch error {
        case .invalidInput(let field, let reason): MQTTPublishRefusal(.payloadFormatInvalid, reason: "\(field): \(reason)")
        case .notFound(let what): MQTTPublishRefusal(.notAuthorized, reason: "\(what) not found or deactivated")
        case .limitReached(let what, let limit): MQTTPublishRefusal(.quotaExceeded, reason: "at most \(limit) \(what)")
        case .permissionDenied, .invalidCredential, .wrongCredentialKind, .authenticationRequired:
            MQTTPublishRefusal(.notAuthorized, reason: "not authorized")
        default: nil
        }
    }

    private static func identity(of client: MQTTClient) -> Identity? {
        client.context as? Identity
    }

    private static let refused = Counter(label: "nimbus_cayenne_mqtt_refused_total")
}

/// Where Cayenne lives in the broker.
public enum CayenneMQTTTopics {
    /// The mount point of a project's Cayenne topic tree.
    public static func mountPoint(project projectId: Int) -> String {
        "c\(projectId)/"
    }

    /// The prefix of every topic of one thing: `v1/{username}/things/{clientID}/`.
    static func thingPrefix(username: String, clientId: String) -> String {
        "v1/\(username)/things/\(clientId)/"
    }
}

import Foundation
import Logging
import NimbusCore
import NimbusMQTT
import NimbusMQTTStore
import ServiceLifecycle

/// The broker's `MQTTCluster` over the bus between servers (`PostgresBus`, topic `.brokers`): what this broker routes
/// goes to the other servers' brokers, which route it to their subscribers, and a client connecting here makes the
/// broker holding its session let it go. Run as a service on a server that shares its database with others.
///
/// What crosses is as reliable as the bus: a server that cannot hear the others for a while (its listening connection
/// dropped) misses what they route meanwhile; QoS 1 and 2 hold end to end while the servers hear each other, since a
/// message is forwarded as soon as the publisher's broker routes it, before it acknowledges.
struct MQTTClusterRelay: MQTTCluster, Service {
    let bus: any MessageBus
    let broker: MQTTBroker
    /// Where the wills of this server's connections are kept for the others.
    let wills: SQLMQTTStore
    /// This server's id, the origin of its notes.
    let node: String
    let logger: Logger

    func forward(_ message: MQTTMessage, in mountPoint: String, from publisher: MQTTSessionKey?) {
        guard let archived = try? message.archived() else { return }
        send(BrokerNote(
            kind: .published, origin: node, message: Data(archived), mountPoint: mountPoint,
            owner: publisher?.owner, clientIdentifier: publisher?.clientIdentifier))
    }

    func claim(_ key: MQTTSessionKey) {
        send(BrokerNote(
            kind: .sessionClaimed, origin: node, message: nil, mountPoint: key.mountPoint, owner: key.owner,
            clientIdentifier: key.clientIdentifier))
    }

    func holdWill(_ will: MQTTMessage, of key: MQTTSessionKey, connection: Int) async {
        do {
            try await wills.holdWill(will, of: key, node: node, connection: connection)
        } catch {
            logger.warning("MQTT will not kept for the other servers", metadata: ["client": "\(key)", "error": "\(error)"])
        }
    }

    func dropWill(of key: MQTTSessionKey, connection: Int) async {
        try? await wills.dropWill(of: key, node: node, connection: connection)
    }

    /// Publishes the wills of the connections that servers gone silent still had open (`NodeHeartbeat`, after it
    /// forgot those servers): each is taken by one server only, and published as plain MQTT (a dialect's handling
    /// of a will runs on the server of its connection only).
    func publishWillsOfGoneServers() async throws {
        for (key, will) in try await wills.takeWillsOfGoneServers() {
            await broker.publish(will, in: key.mountPoint, from: key)
        }
    }

    private func send(_ note: BrokerNote) {
        bus.publishToOtherServers(.broker(note), to: .brokers)
    }

    /// Hands the other brokers' notes to this one until the server stops; subscribes again when the bus ends the
    /// subscription (after the server could not hear the others, or fell behind).
    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                let subscription = bus.subscribe(to: [.brokers])
                for await message in subscription.messages {
                    guard case .broker(let note) = message, note.origin != node else { continue }
                    await receive(note)
                }
                subscription.cancel()
                guard !Task.isCancelled else { return }
                logger.warning("MQTT relay: the other servers' messages were interrupted; listening again")
                try? await Task.sleep(for: .milliseconds(50))
            }
        }
    }

    private func receive(_ note: BrokerNote) async {
        let key = note.clientIdentifier.map {
            MQTTSessionKey(mountPoint: note.mountPoint, owner: note.owner ?? "", clientIdentifier: $0)
        }
        switch note.kind {
        case .published:
            guard let bytes = note.message, let message = try? MQTTMessage(archived: Array(bytes)) else { return }
            await broker.routeFromCluster(message, in: note.mountPoint, from: key)
        case .sessionClaimed:
            guard let key else { return }
            await broker.release(key)
        }
    }
}

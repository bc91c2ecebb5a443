import Logging
import NIOCore
import NimbusCore
import NimbusMQTT

/// Joins Cayenne things' MQTT sessions to the bus: while a thing has a connection, its commands are published into
/// the broker as `seq,value` on `v1/{username}/things/{id}/cmd/{channel}`, and a revocation (the thing deleted,
/// the account's credentials rotated) closes its connections.
final class CayenneMQTTThingLinks: Sendable {
    private let links = MQTTClientLinks<Int>()
    private let nimbus: Nimbus
    private let broker: MQTTBroker
    private let logger: Logger

    init(nimbus: Nimbus, broker: MQTTBroker) {
        self.nimbus = nimbus
        self.broker = broker
        self.logger = nimbus.environment.logger
    }

    /// A connection of the thing was admitted: its feed starts with the first one.
    func attach(_ identity: CayenneMQTTHooks.Identity, mountPoint: String, client key: MQTTSessionKey) {
        do {
            try links.attach(identity.thingId, client: key) {
                let subscription = try nimbus.live.deviceChannel(of: identity.principal)
                let forwarder = Task {
                    for await message in subscription.messages {
                        await self.forward(message, to: identity, mountPoint: mountPoint)
                    }
                }
                return {
                    subscription.cancel()
                    forwarder.cancel()
                }
            }
        } catch {
            logger.error("could not link a Cayenne thing's MQTT session", metadata: ["thing.id": "\(identity.thingId)", "error": "\(error)"])
        }
    }

    /// The commands that waited for the thing, once it subscribes to its commands (before, they would reach no
    /// subscription): sent right after the SUBACK.
    func waitingCommands(for identity: CayenneMQTTHooks.Identity) async -> [MQTTMessage] {
        do {
            return try await nimbus.thingCommands.takeUndelivered(by: identity.principal).map { Self.message($0, prefix: identity.prefix) }
        } catch {
            logger.error("could not load a thing's waiting commands", metadata: ["thing.id": "\(identity.thingId)", "error": "\(error)"])
            return []
        }
    }

    func detach(_ identity: CayenneMQTTHooks.Identity, client key: MQTTSessionKey) {
        links.detach(identity.thingId, client: key)
    }

    private func forward(_ message: BusMessage, to identity: CayenneMQTTHooks.Identity, mountPoint: String) async {
        switch message {
        case .thingCommand(let command):
            await broker.publish(Self.message(command, prefix: identity.prefix), in: mountPoint)
            do {
                try await nimbus.thingCommands.delivered(command, by: identity.principal)
            } catch {
                logger.error("could not record a command's delivery", metadata: ["thing.id": "\(identity.thingId)", "error": "\(error)"])
            }
        case .revoked:
            for client in links.clients(of: identity.thingId) {
                await broker.closeConnection(of: client, reason: .notAuthorized)
            }
        case .event, .command, .keyValue, .readings, .commandStatus, .broker, .credentialRevoked:
            break
        }
    }

    /// `seq,value` on `…/cmd/{channel}`, QoS 1 (the libraries subscribe at QoS 0 and get it at that), not retained.
    static func message(_ command: ThingCommand, prefix: String) -> MQTTMessage {
        MQTTMessage(topic: prefix + "cmd/" + command.channel, payload: ByteBuffer(string: "\(command.seq),\(command.value)"), qos: .atLeastOnce, retain: false)
    }
}

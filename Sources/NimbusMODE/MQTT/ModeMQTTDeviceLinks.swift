import Logging
import NimbusCore
import NimbusMQTT
import Synchronization

/// Joins MODE devices' MQTT sessions to the bus. While a device has at least one MQTT connection, one forwarder
/// (whatever the number of connections) takes the device's bus messages and acts on them in the broker:
/// commands go to `/devices/{id}/command`, key-value changes to `/devices/{id}/kv`, and a revoked key closes
/// every MQTT connection of the device.
final class ModeMQTTDeviceLinks: Sendable {
    private struct Link {
        var clients: Set<MQTTSessionKey>
        let subscription: BusSubscription
        let forwarder: Task<Void, Never>
    }

    private let links = Mutex<[Int: Link]>([:])
    private let live: LiveUseCases
    private let broker: MQTTBroker
    private let logger: Logger

    init(live: LiveUseCases, broker: MQTTBroker, logger: Logger) {
        self.live = live
        self.broker = broker
        self.logger = logger
    }

    /// A connection of the device, authenticated as `principal`, was admitted.
    func attach(deviceId: Int, projectId: Int, principal: Principal, client key: MQTTSessionKey) throws {
        try links.withLock { links in
            if links[deviceId] != nil {
                links[deviceId]?.clients.insert(key)
                return
            }
            let subscription = try live.deviceChannel(of: principal)
            let forwarder = Task {
                for await message in subscription.messages {
                    await self.forward(message, deviceId: deviceId, mountPoint: ModeMQTTTopics.mountPoint(project: projectId))
                }
            }
            links[deviceId] = Link(clients: [key], subscription: subscription, forwarder: forwarder)
        }
    }

    /// A connection of the device ended.
    func detach(deviceId: Int, client key: MQTTSessionKey) {
        links.withLock { links in
            links[deviceId]?.clients.remove(key)
            guard let link = links[deviceId], link.clients.isEmpty else { return }
            link.subscription.cancel()
            link.forwarder.cancel()
            links[deviceId] = nil
        }
    }

    private func forward(_ message: BusMessage, deviceId: Int, mountPoint: String) async {
        do {
            switch message {
            case .command(let command):
                let wire = try ModeMQTTWire.message(ModeWire.Command(command), topic: ModeMQTTTopics.command(deviceId))
                await broker.publish(wire, in: mountPoint)
            case .keyValue(let change):
                let sync = ModeMQTTWire.KeyValueSync.change(change)
                await broker.publish(try ModeMQTTWire.message(sync, topic: ModeMQTTTopics.keyValues(deviceId)), in: mountPoint)
            case .revoked:
                let clients = links.withLock { $0[deviceId]?.clients ?? [] }
                for client in clients {
                    await broker.closeConnection(of: client, reason: .notAuthorized)
                }
            case .event:
                break
            }
        } catch {
            logger.error("could not forward to a MODE device over MQTT", metadata: ["device.id": "\(deviceId)", "error": "\(error)"])
        }
    }
}

import Logging
import NimbusCore
import NimbusMQTT

/// Joins MODE devices' MQTT sessions to the bus. While a device has at least one MQTT connection, one forwarder
/// (whatever the number of connections) takes the device's bus messages and acts on them in the broker:
/// commands go to `/devices/{id}/command`, key-value changes to `/devices/{id}/kv`, and a revoked key closes
/// every MQTT connection of the device.
final class ModeMQTTDeviceLinks: Sendable {
    private let links = MQTTClientLinks<Int>()
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
        try links.attach(deviceId, client: key) {
            let subscription = try live.deviceChannel(of: principal)
            let forwarder = Task {
                for await message in subscription.messages {
                    await self.forward(message, deviceId: deviceId, mountPoint: ModeMQTTTopics.mountPoint(project: projectId))
                }
            }
            return {
                subscription.cancel()
                forwarder.cancel()
            }
        }
    }

    /// A connection of the device ended.
    func detach(deviceId: Int, client key: MQTTSessionKey) {
        links.detach(deviceId, client: key)
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
                for client in links.clients(of: deviceId) {
                    await broker.closeConnection(of: client, reason: .notAuthorized)
                }
            case .event, .thingCommand, .readings, .commandStatus, .broker, .credentialRevoked:
                break
            }
        } catch {
            logger.error("could not forward to a MODE device over MQTT", metadata: ["device.id": "\(deviceId)", "error": "\(error)"])
        }
    }
}

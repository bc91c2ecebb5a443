import Logging
import NIOCore
import NimbusCore
import NimbusMQTT

/// Joins sensor hubs' MQTT sessions to the server: a revocation of the hub's thing (the integration deleted, the hub
/// deleted, the network's secret rotated) closes its connections, and the app's pairing request reaches the hub as
/// `{"timeout": N}` on its `cmd/pair` topic.
public final class WiFiMotionHubLinks: Sendable {
    private let links = MQTTClientLinks<Int>()
    private let nimbus: Nimbus
    private let broker: MQTTBroker
    private let logger: Logger

    public init(nimbus: Nimbus, broker: MQTTBroker) {
        self.nimbus = nimbus
        self.broker = broker
        self.logger = nimbus.environment.logger
    }

    func attach(_ identity: WiFiMotionMQTTHooks.Identity, client key: MQTTSessionKey) {
        do {
            try links.attach(identity.hubId, client: key) {
                let subscription = try nimbus.live.deviceChannel(of: identity.principal)
                let forwarder = Task {
                    for await message in subscription.messages {
                        guard case .revoked = message else { continue }
                        for client in self.links.clients(of: identity.hubId) { await self.broker.closeConnection(of: client, reason: .notAuthorized) }
                    }
                }
                return {
                    subscription.cancel()
                    forwarder.cancel()
                }
            }
        } catch {
            logger.error("could not link a sensor hub's MQTT session", metadata: ["thing.id": "\(identity.hubId)", "error": "\(error)"])
        }
    }

    func detach(_ identity: WiFiMotionMQTTHooks.Identity, client key: MQTTSessionKey) {
        links.detach(identity.hubId, client: key)
    }

    /// Sends the pairing command; `false` when no connection of the hub is subscribed to it.
    func pair(_ hub: Device, userThingName: String, timeout: Int) async -> Bool {
        let topic = WiFiMotionMQTTHooks.prefix(userThingName: userThingName, hubThingName: hub.hardwareId ?? "") + "cmd/pair"
        let message = MQTTMessage(topic: topic, payload: ByteBuffer(string: #"{"timeout":\#(timeout)}"#), qos: .atLeastOnce, retain: false)
        return await broker.publish(message, in: WiFiMotionMQTTHooks.mountPoint(project: hub.projectId)) > 0
    }
}

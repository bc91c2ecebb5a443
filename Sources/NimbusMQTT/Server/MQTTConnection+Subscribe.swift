import Logging
extension MQTTConnection {
    /// SUBSCRIBE: the hooks authorise each filter, the broker subscribes the rest and answers SUBACK, then the
    /// client gets the retained messages and whatever the hooks send new subscribers (a device's key-value store).
    mutating func subscribe(_ packet: MQTTSubscribePacket) async {
        guard let admission else { return }
        let refused = Set(
            packet.subscriptions.indices.filter { position in
                !admission.hooks.maySubscribe(admission.client, filter: packet.subscriptions[position].topicFilter)
            })
        let result: (subAck: MQTTSubAckPacket, retained: [MQTTDelivery])
        do {
            result = try await broker.subscribe(
                admission.client.sessionKey, packet, version: machine.version, refused: refused)
        } catch {
            logger.info("MQTT connection closed: bad SUBSCRIBE", metadata: ["error": "\(error)"])
            await perform(machine.fail((error as? MQTTProtocolError)?.reasonCode ?? .protocolError))
            return
        }
        if !refused.isEmpty {
            logger.info(
                "MQTT subscription not authorized",
                metadata: ["filters": "\(refused.sorted().map { packet.subscriptions[$0].topicFilter })"])
        }
        await storeSubscriptions()
        send(.subAck(result.subAck))
        for delivery in result.retained {
            await perform(machine.deliver(delivery))
        }
        for (requested, code) in zip(packet.subscriptions, result.subAck.reasonCodes) where !code.isFailure {
            for message in await admission.hooks.subscribed(admission.client, filter: requested.topicFilter) {
                let delivery = MQTTDelivery(
                    message: message, qos: min(message.qos, requested.options.qos), topic: message.topic,
                    retain: false)
                await perform(machine.deliver(delivery))
            }
        }
    }
}

import Logging

/// A will is an application message like a PUBLISH: on a topic the dialect handles it is checked at CONNECT and
/// goes through the dialect when it is published, so it is validated and stored like any other message.
extension MQTTConnection {
    /// Why the client may not leave this will, if it may not: a topic it may not publish to, or (on a topic the
    /// dialect handles) a message the dialect would refuse as a PUBLISH.
    static func refusal(of will: MQTTWill, from client: MQTTClient, hooks: any MQTTHooks) -> MQTTPublishRefusal? {
        guard hooks.mayPublish(client, topic: will.topic) else {
            return MQTTPublishRefusal(.notAuthorized, reason: "not authorized to publish to \(will.topic)")
        }
        guard hooks.handlesPublications(to: will.topic, from: client) else { return nil }
        do {
            try hooks.checkWill(will, from: client)
            return nil
        } catch let refusal as MQTTPublishRefusal {
            return refusal
        } catch {
            return MQTTPublishRefusal(.unspecifiedError, reason: "\(error)")
        }
    }

    /// The will as the broker gets it. A will on a topic the hooks handle goes through `MQTTHooks.received` like a
    /// PUBLISH: now, before the connection is over, when it goes out at once (so it is stored before shutdown
    /// closes the store), or when its delay has passed.
    func brokerWill(_ will: MQTTMessage?) async -> MQTTBrokerWill? {
        guard let will, let admission else { return nil }
        guard admission.hooks.handlesPublications(to: will.topic, from: admission.client) else {
            return MQTTBrokerWill(message: will)
        }
        let handle: @Sendable (MQTTMessage) async -> Bool = { [hooks = admission.hooks, client = admission.client, logger] message in
            do {
                return try await hooks.received(message, from: client) == .route
            } catch {
                logger.warning("MQTT will not published: the dialect refused it", metadata: ["error": "\(error)"])
                return false
            }
        }
        if admission.willDelay == 0 { return await handle(will) ? MQTTBrokerWill(message: will) : nil }
        return MQTTBrokerWill(message: will, handle: handle)
    }
}

extension MQTTBroker {
    /// Applies a SUBSCRIBE for the session `key`: one reason code per filter, and the retained messages the new
    /// subscriptions receive, to send right after the SUBACK.
    ///
    /// Authorisation is the connection's job, because it holds the hooks and the client they know: it asks
    /// `MQTTHooks.maySubscribe` for each filter first and passes the positions of the refused ones in `refused`,
    /// which are answered 0x87 Not authorized and not subscribed. The broker then answers, per filter, 0x8F Topic
    /// Filter invalid for a filter that breaks the wildcard rules (0x80 on the wire before MQTT 5) or the granted
    /// QoS, which is the requested one.
    ///
    /// Retained messages follow Retain Handling: 0 sends them on every subscribe, 1 only when the subscription is
    /// new, 2 never; shared subscriptions never get them (MQTT-3.8.4-7 leaves it open; a group would get them once
    /// per member). Each goes out with RETAIN set, at the lower of its QoS and the granted one.
    ///
    /// - Throws: `MQTTProtocolError.invalidSubscriptionOptions` (0x82 Protocol Error, for which the connection
    ///   sends DISCONNECT) when No Local is set on a shared subscription (MQTT-3.8.3-4). Nothing is subscribed then.
    public func subscribe(
        _ key: MQTTSessionKey, _ packet: MQTTSubscribePacket, version: MQTTProtocolVersion, refused: Set<Int> = []
    ) throws -> (subAck: MQTTSubAckPacket, retained: [MQTTDelivery]) {
        // Parse everything before changing anything, so a protocol error leaves the session as it was.
        let filters = packet.subscriptions.map { requested in Result { try MQTTTopicFilter(requested.topicFilter) } }
        for (filter, requested) in zip(filters, packet.subscriptions) {
            if case .success(let filter) = filter, filter.isShared, requested.options.noLocal {
                throw MQTTProtocolError.invalidSubscriptionOptions(requested.options.byte(version: version))
            }
        }
        let identifier = packet.properties.subscriptionIdentifiers.first
        var reasonCodes: [MQTTReasonCode] = []
        var retainedDeliveries: [MQTTDelivery] = []
        for (position, (parsed, requested)) in zip(filters, packet.subscriptions).enumerated() {
            if refused.contains(position) {
                reasonCodes.append(.notAuthorized)
                continue
            }
            let filter: MQTTTopicFilter
            do {
                filter = try parsed.get()
            } catch {
                reasonCodes.append((error as? MQTTProtocolError)?.reasonCode ?? .topicFilterInvalid)
                continue
            }
            guard let full = try? Self.fullFilter(filter, in: key.mountPoint) else {
                reasonCodes.append(.topicFilterInvalid)
                continue
            }
            let options = requested.options
            let replaced = subscriptions.insert(key, filter: full, options: options, identifier: identifier)
            reasonCodes.append(MQTTReasonCode(rawValue: options.qos.rawValue))
            let wantsRetained =
                switch options.retainHandling {
                case .sendOnSubscribe: true
                case .sendOnNewSubscribe: replaced == nil
                case .doNotSend: false
                }
            if wantsRetained, !filter.isShared {
                retainedDeliveries += retainedMessages(matching: filter, in: key.mountPoint).map { message in
                    MQTTDelivery(
                        message: message, qos: min(message.qos, options.qos),
                        topic: Self.localTopic(message.topic, in: key.mountPoint), retain: true,
                        subscriptionIdentifiers: identifier.map { [$0] } ?? [])
                }
            }
        }
        return (MQTTSubAckPacket(packetIdentifier: packet.packetIdentifier, reasonCodes: reasonCodes), retainedDeliveries)
    }

    /// Applies an UNSUBSCRIBE: 0x00 for each filter that was subscribed, 0x11 No subscription existed otherwise
    /// (including a filter that could never be valid). MQTT 3.1.1's UNSUBACK drops the codes on the wire.
    public func unsubscribe(_ key: MQTTSessionKey, _ packet: MQTTUnsubscribePacket) -> MQTTUnsubAckPacket {
        let reasonCodes = packet.topicFilters.map { raw -> MQTTReasonCode in
            guard let filter = try? MQTTTopicFilter(raw), let full = try? Self.fullFilter(filter, in: key.mountPoint),
                subscriptions.remove(key, filter: full) != nil
            else { return .noSubscriptionExisted }
            return .success
        }
        return MQTTUnsubAckPacket(packetIdentifier: packet.packetIdentifier, reasonCodes: reasonCodes)
    }

    /// The retained messages of `mountPoint` that `filter` (without mount point) matches, by topic.
    ///
    /// Matching the local filter against the local topic keeps MQTT-4.7.2-1 (`#` does not match `$…` topics) true
    /// inside a mount point. A scan of the project's retained messages: fine for the thousands a project holds;
    /// a trie like `SubscriptionIndex` is the next step if that changes.
    private func retainedMessages(matching filter: MQTTTopicFilter, in mountPoint: String) -> [MQTTMessage] {
        retained.messages
            .filter { message in
                !message.isExpired() && message.topic.hasPrefix(mountPoint)
                    && filter.matches(topicName: Self.localTopic(message.topic, in: mountPoint))
            }
            .sorted { $0.topic < $1.topic }
    }
}

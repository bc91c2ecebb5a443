import NIOCore

extension MQTTBroker {
    /// Publishes `message` (topic without mount point) in the tree of `mountPoint`: a client's PUBLISH once its
    /// hooks accepted it, a will, or a message a dialect injects (such as a command to a device).
    ///
    /// With `retain` set the message replaces the topic's retained message, and an empty payload deletes it
    /// (MQTT-3.3.1-6). Each matching subscriber gets one delivery at the lower of the message's QoS and its
    /// subscription's, with RETAIN kept only for Retain As Published subscriptions (MQTT-3.3.1-12, -13) and the
    /// identifiers of its matching subscriptions. Each matching shared group gets one delivery, to its members in
    /// turn, preferring connected ones. A connected session receives it in its mailbox; a disconnected one queues
    /// QoS 1 and 2 (dropping the oldest past `Limits.queueLimit`) and misses QoS 0. A retained message past the
    /// retained quota is routed but not retained (a will or a dialect's message: a client's PUBLISH is refused
    /// before it gets here, see `retainedQuotaRefusal`).
    ///
    /// - Parameter publisher: the publishing session, whose No Local subscriptions are skipped.
    /// - Returns: how many sessions the message reached (delivered or queued), so callers can tell MQTT 5
    ///   publishers 0x10 No matching subscribers.
    ///
    /// A retained message published here is also written to the retained store, behind the routing: nobody
    /// waits for an acknowledgement of a will or of a dialect's message. (A client's PUBLISH goes through
    /// `route`, and its connection writes it before acknowledging.)
    @discardableResult
    public func publish(_ message: MQTTMessage, in mountPoint: String, from publisher: MQTTSessionKey? = nil) -> Int {
        let routed = route(message, in: mountPoint, from: publisher)
        // Stored only if routing kept it (a will past the quota is delivered, not retained).
        if routed.keptRetained, let retainedStore {
            var stored = message
            stored.topic = Self.fullTopic(message.topic, in: mountPoint)
            let record = MQTTRetainedRecord(message: stored, mountPoint: mountPoint, owner: publisher?.owner ?? "")
            Task { try? await retainedStore.retain(record) }
        }
        return routed.reached
    }

    /// Why the client's retained PUBLISH would break the retained quota (`Limits.retainedQuota`), or `nil` when it
    /// fits. The connection asks before it stores and acknowledges the message.
    func retainedQuotaRefusal(_ message: MQTTMessage, from client: MQTTSessionKey) -> String? {
        var full = message
        full.topic = Self.fullTopic(message.topic, in: client.mountPoint)
        return retainedRefusal(full, in: client.mountPoint, owner: client.owner)
    }

    /// `MQTTRetainedMessages.refusal`, after dropping the project's expired retained messages if they are in the
    /// way: an expired message is never delivered again, so it must not hold its publisher's quota either.
    private func retainedRefusal(_ message: MQTTMessage, in mountPoint: String, owner: String) -> String? {
        let quota = limits.retainedQuota
        guard let refusal = retained.refusal(message, in: mountPoint, owner: owner, quota: quota) else { return nil }
        let expired = retained.removeExpired(in: mountPoint)
        guard !expired.isEmpty else { return refusal }
        if let retainedStore {
            let deletions = expired.map { topic in
                MQTTRetainedRecord(message: MQTTMessage(topic: topic, payload: ByteBuffer(), retain: true), mountPoint: mountPoint, owner: "")
            }
            Task { for deletion in deletions { try? await retainedStore.retain(deletion) } }
        }
        return retained.refusal(message, in: mountPoint, owner: owner, quota: quota)
    }

    /// `route` for several messages of one publisher, in order: one call into the broker for a burst.
    func route(_ messages: [MQTTMessage], in mountPoint: String, from publisher: MQTTSessionKey?) -> [(
        reached: Int, queued: [(MQTTSessionKey, MQTTDelivery)], keptRetained: Bool
    )] {
        messages.map { route($0, in: mountPoint, from: publisher) }
    }

    /// `publish`, also returning the deliveries queued for offline sessions, which a connection makes durable
    /// (`MQTTSessionStore.enqueue`) before it acknowledges the publication, and whether a retained message changed
    /// its topic's retained message (`false` past the retained quota), which the store must then follow.
    /// With `forward`, the message also goes to the brokers of the other servers (`MQTTCluster`), once routed here.
    func route(_ message: MQTTMessage, in mountPoint: String, from publisher: MQTTSessionKey?, forward: Bool = true) -> (
        reached: Int, queued: [(MQTTSessionKey, MQTTDelivery)], keptRetained: Bool
    ) {
        if forward { cluster?.forward(message, in: mountPoint, from: publisher) }
        var stored = message
        stored.topic = Self.fullTopic(message.topic, in: mountPoint)
        stored.startExpiry()
        let owner = publisher?.owner ?? ""
        let keptRetained = message.retain && retainedRefusal(stored, in: mountPoint, owner: owner) == nil
        if keptRetained { retained.set(stored, in: mountPoint, owner: owner) }
        let matches = subscriptions.matches(
            topic: stored.topic, publisher: publisher, firstLevel: mountPoint.utf8.count { $0 == UInt8(ascii: "/") })
        // Each subscriber gets the message at the lower QoS, with RETAIN only if it asked to see it as published.
        var targets: [(MQTTSessionKey, qos: MQTTQoS, retainAsPublished: Bool, identifiers: [UInt32])] =
            matches.deliveries.map { ($0.subscriber, $0.qos, $0.retainAsPublished, $0.subscriptionIdentifiers) }
        for group in matches.sharedGroups {
            guard let member = nextMember(of: group) else { continue }
            targets.append(
                (member.subscriber, member.options.qos, member.options.retainAsPublished, member.identifier.map { [$0] } ?? []))
        }
        var reached = 0
        var queued: [(MQTTSessionKey, MQTTDelivery)] = []
        for (subscriber, qos, retainAsPublished, identifiers) in targets {
            let delivery = MQTTDelivery(
                message: stored, qos: min(message.qos, qos), topic: Self.localTopic(stored.topic, in: subscriber.mountPoint),
                retain: message.retain && retainAsPublished, subscriptionIdentifiers: identifiers)
            switch deliver(delivery, to: subscriber) {
            case .delivered: reached += 1
            case .queued:
                reached += 1
                queued.append((subscriber, delivery))
            case .missed: break
            }
        }
        return (reached, queued, keptRetained)
    }

    private enum Delivery {
        case delivered
        /// Kept for an offline session.
        case queued
        case missed
    }

    /// Hands a delivery to a session: its mailbox when connected, its queue when not (QoS 1 and 2 only).
    private func deliver(_ delivery: MQTTDelivery, to key: MQTTSessionKey) -> Delivery {
        guard var session = sessions[key] else { return .missed }
        if let mailbox = session.mailbox {
            let outcome = mailbox.post(.deliver(delivery))
            if outcome.droppedOlder { droppedEvents += 1 }
            // A refusal means the connection is ending and has stopped taking input, but has not handed its state
            // back yet (`disconnect`): a persistent session keeps the message, as if already offline.
            guard !outcome.accepted, session.isPersistent, delivery.qos != .atMostOnce else {
                return outcome.accepted ? .delivered : .missed
            }
        }
        guard delivery.qos != .atMostOnce else { return .missed }
        session.outbound.enqueue(delivery, limit: limits.queueLimit)
        sessions[key] = session
        return .queued
    }

    /// The member of a shared group whose turn it is: members are ordered by session key and taken in turn,
    /// among the connected ones if any are, so a group keeps flowing while some members are offline.
    private func nextMember(of group: SubscriptionIndex<MQTTSessionKey>.SharedGroup)
        -> SubscriptionIndex<MQTTSessionKey>.Subscription?
    {
        let members = group.members.sorted { $0.subscriber < $1.subscriber }
        let connected = members.filter { sessions[$0.subscriber]?.isConnected == true }
        let candidates = connected.isEmpty ? members : connected
        guard !candidates.isEmpty else { return nil }
        let turn = sharedGroupTurns[group.filter, default: 0]
        sharedGroupTurns[group.filter] = turn &+ 1
        return candidates[turn % candidates.count]
    }
}

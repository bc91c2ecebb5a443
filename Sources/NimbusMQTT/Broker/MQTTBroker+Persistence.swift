import NIOCore

extension MQTTBroker {
    /// Brings back what the stores kept from an earlier run, before any client connects: the retained messages,
    /// and the persistent sessions, disconnected, whose subscriptions route again at once and whose messages wait
    /// for them (each session gets its full expiry again from now).
    public func restore() async throws {
        if let retainedStore {
            for record in try await retainedStore.retainedMessages() where record.message.payload.readableBytes > 0 {
                retained.set(record.message, in: record.mountPoint, owner: record.owner)
            }
        }
        if let sessionStore {
            restoreSessions(try await sessionStore.storedSessions())
        }
    }

    func restoreSessions(_ stored: [MQTTStoredSession]) {
        for session in stored where sessions[session.key] == nil {
            lastConnectionID += 1
            var restored = MQTTBrokerSession(mailbox: nil, connectionID: lastConnectionID)
            for delivery in session.queued {
                restored.outbound.enqueue(delivery, limit: limits.queueLimit)
            }
            sessions[session.key] = restored
            markPersistent(session.key, true)
            for subscription in session.subscriptions {
                guard let filter = try? MQTTTopicFilter(subscription.filter),
                    let options = try? MQTTSubscriptionOptions(byte: subscription.options, version: .v5)
                else { continue }
                subscriptions.insert(session.key, filter: filter, options: options, identifier: subscription.identifier)
            }
            scheduleTimers(for: session.key, connectionID: lastConnectionID, sessionExpiry: session.expiry, willDelay: 0)
        }
    }

    /// The session's subscriptions as the session store keeps them.
    func storedSubscriptions(of key: MQTTSessionKey) -> [MQTTStoredSubscription] {
        subscriptions.subscriptions(of: key).map { subscription in
            MQTTStoredSubscription(
                filter: subscription.filter.rawValue, options: subscription.options.byte(version: .v5),
                identifier: subscription.identifier)
        }
    }
}

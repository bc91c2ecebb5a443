extension MQTTBroker {
    /// Joins the brokers of the other servers on the database: from now on what this broker routes is forwarded to
    /// them, and a client connecting here takes its session from whichever of them held it.
    public func join(_ cluster: any MQTTCluster) {
        self.cluster = cluster
    }

    /// Routes a message another server's broker routed, to this broker's subscribers (and into its retained messages:
    /// the other server stored it). What it queues for offline sessions here is made durable as for a local
    /// publisher; it is not forwarded again.
    public func routeFromCluster(_ message: MQTTMessage, in mountPoint: String, from publisher: MQTTSessionKey?) {
        let routed = route(message, in: mountPoint, from: publisher, forward: false)
        guard !routed.queued.isEmpty, let sessionStore else { return }
        let (queued, limit) = (routed.queued, limits.queueLimit)
        Task { try? await sessionStore.enqueue(queued, keeping: limit) }
    }

    /// A client connected to another server with this session: this broker lets it go. A connection attached to it
    /// is closed as taken over (MQTT 5: 0x8E), and the session leaves memory without being ended: its subscriptions,
    /// queue and a delayed will are the other server's now (the store keeps them; a reconnect cancels a delayed will).
    public func release(_ key: MQTTSessionKey) {
        guard var session = sessions[key] else { return }
        if let mailbox = session.mailbox {
            session.releasedToCluster = true
            sessions[key] = session
            _ = mailbox.post(.takenOver)
            mailbox.close()
        } else {
            forget(key)
        }
    }

    /// Keeps a newly admitted connection's will with the other servers (`MQTTCluster.holdWill`), before its CONNACK.
    func holdWill(_ will: MQTTMessage, of key: MQTTSessionKey, connection: Int) async {
        await cluster?.holdWill(will, of: key, connection: connection)
    }

    /// The connection ended here: the other servers' copy of its will goes.
    func dropClusterWill(of key: MQTTSessionKey, connection: Int) {
        guard let cluster else { return }
        Task { await cluster.dropWill(of: key, connection: connection) }
    }

    /// Drops a session from memory only (another server owns it now).
    func forget(_ key: MQTTSessionKey) {
        guard let session = sessions.removeValue(forKey: key) else { return }
        if session.isPersistent { countPersistent(key, -1) }
        session.expiryTimer?.cancel()
        session.handover?.resume()
        subscriptions.removeAll(of: key)
    }

    /// Loads a session this broker does not hold from the store, for a client that resumes here a session it had on
    /// another server.
    func loadFromCluster(_ key: MQTTSessionKey) async {
        guard cluster != nil, sessions[key] == nil, let sessionStore,
            let stored = try? await sessionStore.storedSession(key), sessions[key] == nil
        else { return }
        restoreSessions([stored])
    }
}

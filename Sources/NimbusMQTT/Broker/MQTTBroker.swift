import DequeModule

/// The broker core: sessions, subscriptions, retained messages and routing, for every project at once, with no
/// sockets. Connections (and dialects injecting messages) talk to it through this actor.
///
/// Every project has its own topic tree under a mount point such as `"p42/"`. Connections give topics and filters
/// without it; the broker stores and routes them with it (see `fullTopic`, `fullFilter`) and takes it off again in
/// each `MQTTDelivery.topic`. So one index serves all projects, and a client can never name another tree.
///
/// Each connected session has a mailbox (`MQTTMailbox`), bounded, for its `MQTTBrokerEvent`s: the broker never
/// waits for a connection, so one slow client cannot stall the others.
public actor MQTTBroker {
    public typealias SessionKey = MQTTSessionKey

    let limits: Limits
    var sessions: [MQTTSessionKey: MQTTBrokerSession] = [:]
    /// Every subscription, with filters in the full namespace (mount point included).
    var subscriptions = SubscriptionIndex<MQTTSessionKey>()
    /// Retained messages by full topic; `MQTTMessage.topic` is the full topic too.
    var retained = MQTTRetainedMessages()
    /// How many messages each shared group (by full filter) has been given, to pick its members in turn.
    var sharedGroupTurns: [MQTTTopicFilter: Int] = [:]
    /// Persistent sessions by mount point and owner (keys with an empty client identifier), for
    /// `Limits.maximumPersistentSessionsPerClient`.
    var persistentSessions: [MQTTSessionKey: Int] = [:]
    /// Events that pushed an older one out of a full mailbox since the broker started.
    public internal(set) var droppedEvents = 0
    var lastConnectionID = 0

    /// Where persistent sessions and retained messages outlive the process; `nil` keeps them in memory only.
    /// Connections write through them before they acknowledge; the broker reads them in `restore()` and tells the
    /// session store when a session expires.
    let sessionStore: (any MQTTSessionStore)?
    let retainedStore: (any MQTTRetainedStore)?
    /// The brokers of the other servers on the database, once joined (`join`).
    var cluster: (any MQTTCluster)?

    public init(
        limits: Limits = .init(), sessionStore: (any MQTTSessionStore)? = nil, retainedStore: (any MQTTRetainedStore)? = nil
    ) {
        self.limits = limits
        self.sessionStore = sessionStore
        self.retainedStore = retainedStore
    }

    /// Attaches a newly admitted connection to its session, creating or resuming it.
    ///
    /// A connection already attached to the session gets `.takenOver` and its mailbox is closed. `cleanStart` discards
    /// the old session (subscriptions, queue, a delayed will, which is then published because its session ended);
    /// otherwise the session resumes: `resumed` is what it owes the client (unacknowledged and queued messages),
    /// for the connection's state machine to send first. Internal because `MQTTOutboundState` belongs to the
    /// connections of this module.
    ///
    /// - Returns: `connectionID`, which `disconnect` needs so that a taken-over connection cannot end the session
    ///   of its successor.
    func connect(client: MQTTClient, cleanStart: Bool, persistent: Bool = false) async -> (
        sessionPresent: Bool, resumed: MQTTOutboundState?, events: AsyncStream<MQTTBrokerEvent>, connectionID: Int
    ) {
        let (events, mailbox) = AsyncStream.makeStream(
            of: MQTTBrokerEvent.self, bufferingPolicy: .bufferingNewest(limits.mailboxSize))
        let attached = await connect(client: client, cleanStart: cleanStart, persistent: persistent, mailbox: mailbox)
        return (attached.sessionPresent, attached.resumed, events, attached.connectionID)
    }

    /// `connect(client:cleanStart:)` with a mailbox the connection made beforehand (its inbox).
    /// `discarded` tells that Clean Start ended a session that existed, so a stored copy must go too.
    /// `overQuota` says the session would outlive its connection (`persistent`) while its owner already has
    /// `Limits.maximumPersistentSessionsPerClient` such sessions: then nothing is changed, and the connection
    /// refuses the client.
    func connect(client: MQTTClient, cleanStart: Bool, persistent: Bool = false, mailbox: any MQTTMailbox)
        async -> (sessionPresent: Bool, resumed: MQTTOutboundState?, connectionID: Int, discarded: Bool, overQuota: Bool)
    {
        let key = client.sessionKey
        if persistent, sessions[key]?.isPersistent != true,
            persistentSessions[key.ownerKey, default: 0] >= limits.maximumPersistentSessionsPerClient
        {
            return (false, nil, 0, false, true)
        }
        if !cleanStart { await takeOver(key) }
        if let cluster {
            // Another server may hold the session: it lets it go, and a resumed one comes from the store.
            cluster.claim(key)
            if !cleanStart { await loadFromCluster(key) }
        }
        lastConnectionID += 1

        var resumed: MQTTOutboundState?
        // With other servers, a stored copy may be theirs: Clean Start discards it too.
        let discarded = cleanStart && (sessions[key] != nil || cluster != nil)
        if var session = sessions[key] {
            session.expiryTimer?.cancel()
            session.expiryTimer = nil
            if let old = session.mailbox {
                _ = old.post(.takenOver)
                old.close()
            }
            if cleanStart {
                endSession(key)
            } else {
                // Reconnecting in time cancels a delayed will (MQTT-3.1.3-9).
                session.pendingWill = nil
                resumed = session.outbound
                session.outbound = MQTTOutboundState()
                session.mailbox = mailbox
                session.connectionID = lastConnectionID
                sessions[key] = session
            }
        }
        if resumed == nil {
            sessions[key] = MQTTBrokerSession(mailbox: mailbox, connectionID: lastConnectionID)
        }
        markPersistent(key, persistent)
        return (resumed != nil, resumed, lastConnectionID, discarded, false)
    }

    /// Ends the connection attached to `key`, if any, and waits until it has handed back what it still owes its
    /// client (`disconnect`), so that the resuming connection sends it again — at most `Limits.handoverTimeout`,
    /// for a connection stuck writing to a peer that does not read.
    private func takeOver(_ key: MQTTSessionKey) async {
        guard let old = sessions[key]?.mailbox, sessions[key]?.handover == nil else { return }
        _ = old.post(.takenOver)
        old.close()
        let timeout = limits.handoverTimeout
        await withCheckedContinuation { continuation in
            sessions[key]?.handover = continuation
            Task { [weak self] in
                try? await Task.sleep(for: timeout)
                await self?.finishHandover(key)
            }
        }
    }

    /// Lets a waiting `takeOver` go on.
    private func finishHandover(_ key: MQTTSessionKey) {
        guard let continuation = sessions[key]?.handover else { return }
        sessions[key]?.handover = nil
        continuation.resume()
    }

    /// Detaches a connection that ended, normally or not.
    ///
    /// - Parameters:
    ///   - outbound: what the connection's state machine still owes the client, kept if the session persists.
    ///   - will: the will to publish (topic without mount point), or `nil` when the client disconnected normally
    ///     or has none; the connection decides. Published even by a taken-over connection (MQTT 5, 3.1.4), through
    ///     the dialect's handling when it has one.
    ///   - willDelay: MQTT 5 Will Delay Interval in seconds: the will waits that long, or until the session
    ///     ends, and is dropped if the client reconnects first.
    ///   - sessionExpiry: seconds the session outlives the connection; 0 ends it now, `UInt32.max` never.
    func disconnect(
        _ key: MQTTSessionKey, connectionID: Int, outbound: MQTTOutboundState,
        will: MQTTBrokerWill?, willDelay: UInt32 = 0, sessionExpiry: UInt32
    ) {
        dropClusterWill(of: key, connection: connectionID)
        guard var session = sessions[key], session.connectionID == connectionID else {
            if let will { release(will, of: key) }
            return
        }
        if session.releasedToCluster {
            // Taken over on another server, which has the session from the store (the connection wrote what it
            // still owed before detaching): the will goes out, as a taken-over connection's does (MQTT 5, 3.1.4).
            forget(key)
            if let will { release(will, of: key) }
            return
        }
        session.mailbox?.close()
        session.mailbox = nil
        // What the session holds now came while the connection was ending (see `deliver`); it goes after what the
        // connection still owed.
        var owed = outbound
        for late in session.outbound.waiting { owed.enqueue(late, limit: limits.queueLimit) }
        session.outbound = owed
        session.pendingWill = willDelay > 0 ? will : nil
        sessions[key] = session
        if sessionExpiry == 0 {
            endSession(key)
        } else {
            scheduleTimers(for: key, connectionID: connectionID, sessionExpiry: sessionExpiry, willDelay: willDelay)
        }
        if let will, willDelay == 0 { release(will, of: key) }
        finishHandover(key)
    }

    /// Closes the connection attached to `key`, if any, with `reason`: for a dialect whose client may no longer
    /// be connected (its key was revoked). The session itself follows its usual expiry.
    public func closeConnection(of key: MQTTSessionKey, reason: MQTTReasonCode) {
        guard let mailbox = sessions[key]?.mailbox else { return }
        _ = mailbox.post(.closeRequested(reason))
        mailbox.close()
    }

    /// Whether a session exists for `key`, connected or not.
    public func hasSession(_ key: MQTTSessionKey) -> Bool {
        sessions[key] != nil
    }

    /// The retained message of `topic` in `mountPoint`, if any (topic without mount point).
    public func retainedMessage(topic: String, in mountPoint: String) -> MQTTMessage? {
        retained[Self.fullTopic(topic, in: mountPoint)]
    }

    /// Removes a session with its subscriptions, first publishing a will still waiting for its delay, since
    /// the end of the session is the latest a delayed will may go out.
    private func endSession(_ key: MQTTSessionKey) {
        guard let session = sessions.removeValue(forKey: key) else { return }
        if session.isPersistent { countPersistent(key, -1) }
        session.expiryTimer?.cancel()
        session.handover?.resume()
        subscriptions.removeAll(of: key)
        if let will = session.pendingWill { release(will, of: key) }
    }

    /// One timer per disconnect: it publishes a delayed will when its delay has passed, then ends the session
    /// when it expires (`UInt32.max` never does). A reconnect cancels it and bumps the connection id, so a timer
    /// that still fires finds itself stale and does nothing.
    func scheduleTimers(for key: MQTTSessionKey, connectionID: Int, sessionExpiry: UInt32, willDelay: UInt32) {
        let unit = limits.expiryUnit
        let expiry: UInt32? = sessionExpiry == .max ? nil : sessionExpiry
        let willAfter: UInt32? = sessions[key]?.pendingWill == nil ? nil : min(willDelay, expiry ?? willDelay)
        guard expiry != nil || willAfter != nil else { return }
        sessions[key]?.expiryTimer = Task { [weak self] in
            var elapsed: UInt32 = 0
            if let willAfter {
                guard (try? await Task.sleep(for: unit * Int(willAfter))) != nil else { return }
                elapsed = willAfter
                await self?.publishDelayedWill(of: key, connectionID: connectionID)
            }
            guard let expiry else { return }
            guard (try? await Task.sleep(for: unit * Int(expiry - elapsed))) != nil else { return }
            await self?.expire(key, connectionID: connectionID)
        }
    }

    private func publishDelayedWill(of key: MQTTSessionKey, connectionID: Int) {
        guard let session = sessions[key], session.connectionID == connectionID, !session.isConnected,
            let will = session.pendingWill
        else { return }
        sessions[key]?.pendingWill = nil
        release(will, of: key)
    }

    private func expire(_ key: MQTTSessionKey, connectionID: Int) {
        guard let session = sessions[key], session.connectionID == connectionID, !session.isConnected else { return }
        endSession(key)
        if let sessionStore {
            Task { try? await sessionStore.deleteSession(key) }
        }
    }

    /// Records whether the session of `key` outlives its connection, keeping its owner's count.
    func markPersistent(_ key: MQTTSessionKey, _ persistent: Bool) {
        guard let was = sessions[key]?.isPersistent, was != persistent else { return }
        sessions[key]?.isPersistent = persistent
        countPersistent(key, persistent ? 1 : -1)
    }

    func countPersistent(_ key: MQTTSessionKey, _ change: Int) {
        let count = persistentSessions[key.ownerKey, default: 0] + change
        persistentSessions[key.ownerKey] = count > 0 ? count : nil
    }
}

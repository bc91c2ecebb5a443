import Logging

/// Keeping a persistent session's stored copy in step (`MQTTSessionStore`): written at the moments the protocol
/// promises something — CONNACK (the session exists), SUBACK/UNSUBACK (the subscriptions), the publisher's
/// acknowledgement (messages queued for offline sessions) and the end of the connection (what is still owed).
extension MQTTConnection {
    var sessionStore: (any MQTTSessionStore)? { broker.sessionStore }
    var retainedStore: (any MQTTRetainedStore)? { broker.retainedStore }

    /// After the broker attached the session: a discarded old session goes, a persistent one is saved.
    mutating func storeAttachedSession(discarded: Bool) async {
        guard let sessionStore, let admission else { return }
        let key = admission.client.sessionKey
        do {
            if discarded { try await sessionStore.deleteSession(key) }
            if admission.sessionExpiry > 0 { try await saveSession() }
        } catch {
            logger.error("MQTT session not stored", metadata: ["error": "\(error)"])
        }
    }

    /// Saves the session's record and subscriptions, when it outlives its connection.
    func saveSession() async throws {
        guard let sessionStore, let admission, admission.sessionExpiry > 0 else { return }
        let key = admission.client.sessionKey
        try await sessionStore.saveSession(
            key, expiry: admission.sessionExpiry, subscriptions: await broker.storedSubscriptions(of: key))
    }

    /// `saveSession` after SUBSCRIBE or UNSUBSCRIBE; a failure is logged, the answer still goes out.
    func storeSubscriptions() async {
        do {
            try await saveSession()
        } catch {
            logger.error("MQTT subscriptions not stored", metadata: ["error": "\(error)"])
        }
    }

    /// Before the connection detaches: the session keeps what the client is still owed, or goes.
    func storeEndingSession() async {
        guard let sessionStore, let admission else { return }
        let key = admission.client.sessionKey
        do {
            if admission.sessionExpiry == 0 {
                // Expiry 0 from the start was never stored, unless DISCONNECT lowered it (MQTT 5).
                if admission.storedExpiry > 0 { try await sessionStore.deleteSession(key) }
                return
            }
            if admission.sessionExpiry != admission.storedExpiry { try await saveSession() }
            try await sessionStore.replaceQueue(of: key, with: machine.outbound.owed)
        } catch {
            logger.error("MQTT session not stored at disconnect", metadata: ["error": "\(error)"])
        }
    }
}

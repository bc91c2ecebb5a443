import DequeModule
import Logging
extension MQTTConnection {
    /// A client's PUBLISH between arrival and acknowledgement.
    struct PendingPublication {
        enum Progress {
            /// Known at once when the hooks need not see it (authorisation, plain MQTT topics).
            case decided(PublicationOutcome)
            /// The hooks' work on it, when they handle its topic.
            case handling(Task<PublicationOutcome, Never>)
        }

        var sequence: Int
        var message: MQTTMessage
        var acknowledgement: MQTTPacket?
        var progress: Progress

        /// Whether completing it now needs no wait.
        func isDone(handled: Set<Int>) -> Bool {
            if case .decided = progress { return true }
            return handled.contains(sequence)
        }
    }

    enum PublicationOutcome: Sendable {
        case route
        case consumed
        case refused(MQTTReasonCode, reason: String)
        case failed(String)

        var isRoute: Bool {
            if case .route = self { return true }
            return false
        }
    }

    /// Takes a client's PUBLISH. Publications are completed (routed, then acknowledged) in arrival order, which
    /// keeps each topic ordered (MQTT 4.6), while the hooks may make several durable at once: a device streaming
    /// QoS 1 events waits for one group commit per window, not one per event. Past Receive Maximum the loop waits
    /// for the oldest, so a client that publishes faster than the store writes is slowed down, not buffered.
    mutating func publish(_ message: MQTTMessage, acknowledgement: MQTTPacket?) async {
        guard let admission else { return }
        let client = admission.client
        var outcome: PublicationOutcome?
        if !admission.hooks.mayPublish(client, topic: message.topic) {
            outcome = .refused(.notAuthorized, reason: "not authorized to publish to \(message.topic)")
        } else if !admission.hooks.handlesPublications(to: message.topic, from: client) {
            outcome = .route
        }
        if let outcome, publications.isEmpty {
            await complete(message, acknowledgement: acknowledgement, outcome: outcome)
            return
        }
        lastSequence += 1
        let progress: PendingPublication.Progress
        if let outcome {
            progress = .decided(outcome)
        } else {
            progress = .handling(Task { [inbox, hooks = admission.hooks, sequence = lastSequence] in
                let outcome: PublicationOutcome
                do {
                    outcome = try await hooks.received(message, from: client) == .route ? .route : .consumed
                } catch let refusal as MQTTPublishRefusal {
                    outcome = .refused(refusal.reasonCode, reason: refusal.reason)
                } catch {
                    outcome = .failed("\(error)")
                }
                inbox.signal(.handled(sequence: sequence))
                return outcome
            })
        }
        publications.append(
            PendingPublication(sequence: lastSequence, message: message, acknowledgement: acknowledgement, progress: progress))
        while publications.count > Int(settings.receiveMaximum), machine.state == .connected {
            await completeOldestPublication()
        }
    }

    /// Completes publications from the oldest on, as far as the hooks are done with them.
    mutating func completeHandledPublications() async {
        while let oldest = publications.first, oldest.isDone(handled: handledSequences) {
            await completeOldestPublication()
        }
    }

    /// Completes every publication, waiting for the hooks where need be.
    mutating func completeAllPublications() async {
        while !publications.isEmpty, machine.state == .connected {
            await completeOldestPublication()
        }
    }

    /// Completes the oldest publication, waiting for its hooks if need be.
    private mutating func completeOldestPublication() async {
        guard let oldest = publications.popFirst() else { return }
        handledSequences.remove(oldest.sequence)
        let outcome =
            switch oldest.progress {
            case .decided(let outcome): outcome
            case .handling(let task): await task.value
            }
        await complete(oldest.message, acknowledgement: oldest.acknowledgement, outcome: outcome)
    }

    /// Routes the message if it should be, then acknowledges it with the outcome's reason code. Routing waits in
    /// `routing` for the end of the burst; anything acknowledged otherwise routes those first, so that
    /// acknowledgements keep the order of the publications (MQTT-4.6.0-2).
    private mutating func complete(
        _ message: MQTTMessage, acknowledgement: MQTTPacket?, outcome: PublicationOutcome
    ) async {
        guard let admission, machine.state == .connected else { return }
        if message.retain || !outcome.isRoute { await routePending() }
        var outcome = outcome
        if message.retain, outcome.isRoute {
            if let excess = await broker.retainedQuotaRefusal(message, from: admission.client.sessionKey) {
                await refuseOverQuota(acknowledgement, of: message, reason: excess)
                return
            }
            if let retainedStore {
                var stored = message
                stored.topic = MQTTBroker.fullTopic(message.topic, in: admission.client.mountPoint)
                do {
                    try await retainedStore.retain(
                        MQTTRetainedRecord(message: stored, mountPoint: admission.client.mountPoint, owner: admission.client.owner))
                } catch {
                    outcome = .failed("retained message not stored: \(error)")
                }
            }
        }
        switch outcome {
        case .route:
            routing.append((message, acknowledgement))
        case .consumed:
            acknowledge(acknowledgement, with: .success)
        case .refused(let code, let reason):
            logger.info("MQTT publication refused", metadata: ["topic": "\(message.topic)", "reason": "\(reason)"])
            acknowledge(acknowledgement, with: code, reason: reason)
        case .failed(let error):
            await acknowledgeFailure(acknowledgement, of: message, error: error)
        }
    }

    /// Routes the publications waiting in `routing` in one call into the broker, makes what it queued for offline
    /// sessions durable, then acknowledges them. Runs whatever the connection's state: what was received before a
    /// DISCONNECT or a protocol error is still delivered.
    mutating func routePending() async {
        guard !routing.isEmpty, let admission else { return }
        let batch = routing
        routing.removeAll(keepingCapacity: true)
        let routed = await broker.route(
            batch.map(\.message), in: admission.client.mountPoint, from: admission.client.sessionKey)
        var queueFailure: String?
        let queued = routed.flatMap(\.queued)
        if !queued.isEmpty, let sessionStore {
            do {
                try await sessionStore.enqueue(queued, keeping: broker.limits.queueLimit)
            } catch {
                // Routed but not durable for the offline sessions: say so as for any store failure.
                queueFailure = "queue not stored: \(error)"
            }
        }
        for ((message, acknowledgement), outcome) in zip(batch, routed) {
            if let queueFailure, !outcome.queued.isEmpty {
                await acknowledgeFailure(acknowledgement, of: message, error: queueFailure)
            } else {
                acknowledge(acknowledgement, with: outcome.reached == 0 ? .noMatchingSubscribers : .success)
            }
        }
    }

    /// A publication that could not be made durable: MQTT 5 is told with 0x80; 3.1.1 cannot say "not stored",
    /// so there the connection closes unacknowledged, and the client sends it again after reconnecting.
    private mutating func acknowledgeFailure(_ acknowledgement: MQTTPacket?, of message: MQTTMessage, error: String) async {
        logger.error("MQTT publication not stored", metadata: ["topic": "\(message.topic)", "error": "\(error)"])
        guard machine.version.hasProperties else {
            await perform(machine.fail(.unspecifiedError))
            return
        }
        acknowledge(acknowledgement, with: .unspecifiedError, reason: "not stored, try again")
    }

    /// A retained message past the retained quota: MQTT 5 is told with 0x97 Quota exceeded in the PUBACK or PUBREC;
    /// a QoS 0 message, or an older client that cannot be told, is disconnected (MQTT 5 with DISCONNECT 0x97), so
    /// the message is never taken for stored.
    private mutating func refuseOverQuota(_ acknowledgement: MQTTPacket?, of message: MQTTMessage, reason: String) async {
        logger.warning("MQTT retained message refused: quota exceeded", metadata: ["topic": "\(message.topic)", "reason": "\(reason)"])
        guard machine.version.hasProperties, acknowledgement != nil else {
            await perform(machine.fail(.quotaExceeded))
            return
        }
        acknowledge(acknowledgement, with: .quotaExceeded, reason: "retained quota exceeded: \(reason)")
    }

    /// Sends the PUBACK or PUBREC (if the QoS has one) with `reasonCode`.
    private mutating func acknowledge(_ acknowledgement: MQTTPacket?, with reasonCode: MQTTReasonCode, reason: String? = nil) {
        guard machine.state == .connected, case .publishAck(var ack)? = acknowledgement else { return }
        ack.reasonCode = reasonCode
        if let reason, machine.version.hasProperties { ack.properties.reasonString = reason }
        if ack.kind == .pubRec, reasonCode.isFailure { machine.refusedExactlyOnce(ack.packetIdentifier) }
        send(.publishAck(ack))
    }
}

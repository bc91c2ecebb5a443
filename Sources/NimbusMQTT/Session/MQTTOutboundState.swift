import DequeModule
import NIOCore

/// The QoS 1 and 2 messages a session owes its client: those sent and not yet acknowledged, and
/// those waiting for room under the client's Receive Maximum. It outlives a connection when the
/// session persists, so that the next connection resends what was not acknowledged.
struct MQTTOutboundState: Sendable {
    enum Stage: Sendable, Hashable {
        /// QoS 1 sent, waiting for PUBACK; QoS 2 sent, waiting for PUBREC.
        case awaitingAcknowledgement
        /// QoS 2: PUBREL sent, waiting for PUBCOMP.
        case awaitingCompletion
    }

    struct InFlight: Sendable, Hashable {
        var delivery: MQTTDelivery
        var stage: Stage
    }

    /// In the order they were sent, which is the order they are resent in (MQTT-4.4.0-1).
    private(set) var inFlight: [UInt16: InFlight] = [:]
    private(set) var sendOrder: Deque<UInt16> = []
    private(set) var waiting: Deque<MQTTDelivery> = []
    /// The payload bytes of `waiting`.
    private(set) var waitingBytes = 0
    private var lastPacketIdentifier: UInt16 = 0
    /// Messages dropped because `waiting` was full, oldest first (the configured session limit).
    private(set) var dropped = 0

    var isEmpty: Bool { inFlight.isEmpty && waiting.isEmpty }

    /// Queues a message behind the others; drops the oldest waiting ones past `limit`'s count or bytes (a single
    /// message larger than the byte limit is still kept, alone: it fits the maximum packet size).
    mutating func enqueue(_ delivery: MQTTDelivery, limit: MQTTQueueLimit) {
        waiting.append(delivery)
        waitingBytes += delivery.message.payload.readableBytes
        while waiting.count > 1, waiting.count > limit.messages || waitingBytes > limit.bytes {
            _ = takeWaiting()
            dropped += 1
        }
    }

    private mutating func takeWaiting() -> MQTTDelivery? {
        guard let delivery = waiting.popFirst() else { return nil }
        waitingBytes -= delivery.message.payload.readableBytes
        return delivery
    }

    /// Takes the next waiting message if fewer than `receiveMaximum` are in flight, and records it
    /// as sent under a fresh packet identifier.
    mutating func sendNext(receiveMaximum: Int) -> (UInt16, MQTTDelivery)? {
        guard inFlight.count < receiveMaximum, inFlight.count < Int(UInt16.max) else { return nil }
        // Messages that expired while they waited are dropped (MQTT-3.3.2-5).
        var next = takeWaiting()
        while let candidate = next, candidate.message.isExpired() {
            next = takeWaiting()
        }
        guard let delivery = next else { return nil }
        let identifier = freshIdentifier()
        inFlight[identifier] = InFlight(delivery: delivery, stage: .awaitingAcknowledgement)
        sendOrder.append(identifier)
        return (identifier, delivery)
    }

    /// PUBACK (QoS 1) or PUBCOMP (QoS 2): the message is done. Returns false for an unknown identifier.
    mutating func complete(_ identifier: UInt16) -> Bool {
        guard inFlight.removeValue(forKey: identifier) != nil else { return false }
        sendOrder.removeAll { $0 == identifier }
        return true
    }

    /// PUBREC: the client has the QoS 2 message; the broker now owes it a PUBREL.
    mutating func received(_ identifier: UInt16) -> Bool {
        guard var entry = inFlight[identifier], entry.delivery.qos == .exactlyOnce else { return false }
        entry.stage = .awaitingCompletion
        inFlight[identifier] = entry
        return true
    }

    /// What a resumed session resends first: each unacknowledged message, in its original order.
    var unacknowledged: [(UInt16, InFlight)] {
        sendOrder.compactMap { identifier in inFlight[identifier].map { (identifier, $0) } }
    }

    /// What a stored session keeps of this state: every message not yet received by the client, in order (a
    /// QoS 2 message awaiting PUBCOMP has been received, and sending it again would deliver it twice).
    var owed: [MQTTDelivery] {
        unacknowledged.compactMap { $0.1.stage == .awaitingAcknowledgement ? $0.1.delivery : nil } + Array(waiting)
    }

    private mutating func freshIdentifier() -> UInt16 {
        repeat {
            lastPacketIdentifier = lastPacketIdentifier == UInt16.max ? 1 : lastPacketIdentifier + 1
        } while inFlight[lastPacketIdentifier] != nil
        return lastPacketIdentifier
    }
}

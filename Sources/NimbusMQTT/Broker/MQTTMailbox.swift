/// Where the broker leaves events for a connected session. Posting never waits: a mailbox is bounded and makes
/// room by dropping its oldest event, so one slow client cannot stall the broker or the other clients.
///
/// A served connection's mailbox is its `MQTTConnectionInbox`; `MQTTBroker.connect(client:cleanStart:)` hands
/// out an `AsyncStream` for callers without a connection loop.
protocol MQTTMailbox: Sendable {
    /// Leaves `event` for the connection. `accepted` is false once the mailbox is closed; `droppedOlder` tells
    /// that a full mailbox dropped its oldest event to take this one.
    func post(_ event: MQTTBrokerEvent) -> (accepted: Bool, droppedOlder: Bool)

    /// The broker sends nothing more (the session was taken over, closed, or detached).
    func close()
}

extension AsyncStream.Continuation: MQTTMailbox where Element == MQTTBrokerEvent {
    func post(_ event: MQTTBrokerEvent) -> (accepted: Bool, droppedOlder: Bool) {
        switch yield(event) {
        case .enqueued: (true, false)
        case .dropped: (true, true)
        case .terminated: (false, false)
        @unknown default: (false, false)
        }
    }

    func close() {
        finish()
    }
}

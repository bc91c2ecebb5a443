import NimbusCore

/// MODE's webhooks, as an observer of the event write path: for each stored event that a project's
/// "webhooks" smart module subscribes to, an outbox item carrying the event as the user WebSocket renders
/// it. The items are written in the events' own transaction, so a delivery is never lost for an
/// acknowledged event nor sent for one that was rolled back; the outbox worker sends them (with retries)
/// once woken after the commit.
struct ModeWebhookObserver: IngestObserver {
    let wakeOutbox: @Sendable () -> Void

    /// - Returns: whether any delivery was enqueued.
    func stage(_ events: [Event], in tx: any StoreTransaction) async throws -> Bool {
        var modules: [Int: [SmartModule]] = [:]
        var enqueued = false
        for event in events {
            if modules[event.projectId] == nil { modules[event.projectId] = try await tx.smartModules.list(projectId: event.projectId) }
            for module in modules[event.projectId] ?? [] where module.moduleType == "webhooks" && module.subscribes(to: event.eventType) {
                let delivery = WebhookDelivery(projectId: event.projectId, moduleId: module.id, body: Self.body(of: event))
                try await tx.outbox.enqueue(delivery, at: event.timestamp)
                enqueued = true
            }
        }
        return enqueued
    }

    func committed(_ events: [Event], staged enqueued: Bool) {
        if enqueued { wakeOutbox() }
    }

    /// The body of a delivery: the event exactly as the user WebSocket sends it.
    static func body(of event: Event) -> String {
        // Encoding plain strings, numbers and JSON values cannot fail.
        (try? ModeWire.json(ModeWire.Event(event))) ?? "{}"
    }
}

import Foundation
import Metrics

/// Accepting events from devices and backends. An event is acknowledged only once it is stored,
/// together with the webhook deliveries it causes; then it goes live to the home's members.
public struct EventUseCases: Sendable {
    let environment: CoreEnvironment
    let writer: EventBatchWriter

    init(environment: CoreEnvironment) {
        self.environment = environment
        self.writer = EventBatchWriter(environment: environment)
    }

    /// An event sent by a device about itself.
    public func fromDevice(_ deviceId: Int, eventType: String, eventData: [String: JSONValue], by principal: Principal) async throws {
        try Self.validate(eventType: eventType)
        let device = try await environment.store.read { tx in try await AccessPolicy.device(deviceId, for: principal, .selfOnly, in: tx) }
        try await writer.write(NewEvent(
            projectId: device.projectId, homeId: device.homeId, eventType: eventType, eventData: eventData,
            origin: .device(id: device.id, deviceClass: device.deviceClass), timestamp: environment.clock.now()))
    }

    /// An event injected into a home by a backend holding a project key with the `events` permission.
    public func toHome(_ homeId: Int, eventType: String, eventData: [String: JSONValue], by principal: Principal) async throws {
        let key = try AccessPolicy.requireKey(principal, .events)
        try Self.validate(eventType: eventType)
        let home = try await environment.store.read { tx in try await AccessPolicy.home(homeId, for: principal, .write(.events), in: tx) }
        try await writer.write(NewEvent(
            projectId: home.projectId, homeId: home.id, eventType: eventType, eventData: eventData,
            origin: .projectKey(id: key.keyId, name: key.name), timestamp: environment.clock.now()))
    }

    static func validate(eventType: String) throws {
        guard (1...256).contains(eventType.count) else { throw NimbusError.invalidInput(field: "eventType", reason: "1 to 256 characters") }
    }
}

/// Group commit for events: callers that arrive while a batch is being written wait for the next
/// batch, which writes all of them in one transaction. Throughput then grows with concurrency instead
/// of being bounded by one commit per event, and no caller is answered before its event is durable.
actor EventBatchWriter {
    private struct Pending {
        let event: NewEvent
        let continuation: CheckedContinuation<Void, any Error>
    }

    private let environment: CoreEnvironment
    private var queue: [Pending] = []
    private var isWriting = false
    private let ingested = Counter(label: "nimbus_events_ingested_total")
    /// The most events one transaction holds; bounds the transaction and the latency of its first event.
    private let maximumBatch = 512

    init(environment: CoreEnvironment) {
        self.environment = environment
    }

    func write(_ event: NewEvent) async throws {
        try await withCheckedThrowingContinuation { continuation in
            queue.append(Pending(event: event, continuation: continuation))
            if !isWriting {
                isWriting = true
                Task { await self.drain() }
            }
        }
    }

    private func drain() async {
        while !queue.isEmpty {
            let batch = Array(queue.prefix(maximumBatch))
            queue.removeFirst(batch.count)
            do {
                try await commit(batch.map(\.event))
                for pending in batch { pending.continuation.resume() }
            } catch where batch.count > 1 {
                // One bad event must not fail its neighbours: write them one by one.
                for pending in batch {
                    do {
                        try await commit([pending.event])
                        pending.continuation.resume()
                    } catch {
                        pending.continuation.resume(throwing: error)
                    }
                }
            } catch {
                batch.first?.continuation.resume(throwing: error)
            }
        }
        isWriting = false
    }

    /// Stores the events and their webhook deliveries in one transaction, then publishes them.
    private func commit(_ events: [NewEvent]) async throws {
        let formatter = environment.eventFormatter
        let (stored, audiences, enqueued) = try await environment.store.write { tx in
            let stored = try await tx.events.append(events)
            var modules: [Int: [SmartModule]] = [:]
            var audiences: [Int: [Int]] = [:]
            var enqueued = false
            for event in stored {
                if modules[event.projectId] == nil { modules[event.projectId] = try await tx.smartModules.list(projectId: event.projectId) }
                for module in modules[event.projectId] ?? [] where module.moduleType == "webhooks" && module.subscribes(to: event.eventType) {
                    let delivery = WebhookDelivery(projectId: event.projectId, moduleId: module.id, body: formatter.webhookBody(for: event))
                    try await tx.outbox.enqueue(delivery, at: event.timestamp)
                    enqueued = true
                }
                if let homeId = event.homeId, audiences[homeId] == nil {
                    audiences[homeId] = try await tx.homes.memberUserIds(homeId: homeId)
                }
            }
            return (stored, audiences, enqueued)
        }
        ingested.increment(by: stored.count)
        if enqueued { environment.outboxSignal() }
        for event in stored {
            guard let homeId = event.homeId else { continue }
            for userId in audiences[homeId] ?? [] {
                environment.bus.publish(.event(event), to: .user(userId))
            }
        }
    }
}

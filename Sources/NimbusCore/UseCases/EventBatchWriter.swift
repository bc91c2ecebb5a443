import Foundation
import Metrics

/// Group commit for events: callers that arrive while a batch is being written wait for the next
/// batch, which writes all of them in one transaction. Throughput then grows with concurrency instead
/// of being bounded by one commit per event, and no caller is answered before its event is durable.
actor EventBatchWriter {
    /// An event to write: complete, or sent by a device about itself and completed from the device's record in
    /// the batch's transaction (one query for the batch instead of a read transaction per event).
    enum Submission: Sendable {
        case resolved(NewEvent)
        case device(id: Int, eventType: String, eventData: [String: JSONValue], timestamp: Date)
    }

    private struct Pending {
        let submission: Submission
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

    func write(_ submission: Submission) async throws {
        try await withCheckedThrowingContinuation { continuation in
            queue.append(Pending(submission: submission, continuation: continuation))
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
                let refusals = try await commit(batch.map(\.submission))
                for (pending, refusal) in zip(batch, refusals) { pending.continuation.resume(with: refusal.map { .failure($0) } ?? .success(())) }
            } catch where batch.count > 1 {
                // One bad event must not fail its neighbours: write them one by one.
                for pending in batch {
                    do {
                        if let refusal = try await commit([pending.submission])[0] { throw refusal }
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
    /// - Returns: for each submission, the error it is refused with (a device that no longer exists), or `nil`.
    private func commit(_ submissions: [Submission]) async throws -> [NimbusError?] {
        let formatter = environment.eventFormatter
        let (stored, audiences, enqueued, refusals) = try await environment.store.write { tx in
            let (events, refusals) = try await Self.resolve(submissions, in: tx)
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
            return (stored, audiences, enqueued, refusals)
        }
        ingested.increment(by: stored.count)
        if enqueued { environment.outboxSignal() }
        for event in stored {
            guard let homeId = event.homeId else { continue }
            for userId in audiences[homeId] ?? [] {
                environment.bus.publish(.event(event), to: .user(userId))
            }
        }
        return refusals
    }

    /// The submissions as events, the devices' ones completed from one query for all of their devices.
    private static func resolve(
        _ submissions: [Submission], in tx: any StoreTransaction
    ) async throws -> (events: [NewEvent], refusals: [NimbusError?]) {
        var deviceIds: [Int] = []
        for case .device(let id, _, _, _) in submissions { deviceIds.append(id) }
        let devices = deviceIds.isEmpty ? [:] : Dictionary(
            try await tx.devices.get(ids: Array(Set(deviceIds))).map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var events: [NewEvent] = []
        var refusals: [NimbusError?] = []
        for submission in submissions {
            switch submission {
            case .resolved(let event):
                events.append(event)
                refusals.append(nil)
            case .device(let id, let eventType, let eventData, let timestamp):
                guard let device = devices[id] else {
                    refusals.append(.notFound("device"))
                    continue
                }
                events.append(NewEvent(
                    projectId: device.projectId, homeId: device.homeId, eventType: eventType, eventData: eventData,
                    origin: .device(id: device.id, deviceClass: device.deviceClass), timestamp: timestamp))
                refusals.append(nil)
            }
        }
        return (events, refusals)
    }
}

import Foundation
import Metrics

/// The durable write path of events. Each batch (see `GroupCommit`) is one transaction: the devices of the
/// batch are looked up, the events appended, and every observer's `stage` writes its derived rows (MODE's
/// webhook deliveries); once it is durable, every observer's `committed` runs (the live publisher, MODE's outbox
/// wake-up) and the callers are answered.
struct EventIngest: Sendable {
    /// An event to write: complete, or sent by a device about itself and completed from the device's record in
    /// the batch's transaction (one query for the batch instead of a read transaction per event).
    enum Submission: Sendable {
        case resolved(NewEvent)
        case device(id: Int, eventType: String, eventData: [String: JSONValue], timestamp: Date)
    }

    private let group: GroupCommit<Submission>

    init(store: any Store, observers: [any IngestObserver<Event>]) {
        let ingested = Counter(label: "nimbus_events_ingested_total")
        let batchSize = Recorder(label: "nimbus_events_batch_size")
        let origins = GenerationCache<Int, EventOrigin>()
        group = GroupCommit(executor: store.writeExecutor) { submissions in
            batchSize.record(submissions.count)
            return try await Self.commit(submissions, store: store, observers: observers, origins: origins, ingested: ingested)
        }
    }

    /// Returns once the event is stored with everything its observers derive from it.
    func write(_ submission: Submission) async throws {
        try await group.write(submission)
    }

    /// Queues the event; `completion` runs on the committing thread once it is durable with everything its
    /// observers derive from it, or has failed.
    func submit(_ submission: Submission, completion: @escaping @Sendable (Result<Void, any Error>) -> Void) {
        group.submit(submission, completion: completion)
    }

    /// Commits the batch; the observers' follow-ups run once it is durable, before its callers are answered.
    /// - Returns: for each submission, the error it is refused with (a device that no longer exists), or `nil`.
    private static func commit(
        _ submissions: [Submission], store: any Store, observers: [any IngestObserver<Event>],
        origins: GenerationCache<Int, EventOrigin>, ingested: Counter
    ) async throws -> [NimbusError?] {
        try await IngestBatch.commit(store: store, observers: observers, stored: ingested, appendsOnly: true) { tx in
            let (events, refusals) = try await resolve(submissions, origins: origins, in: tx)
            return (try await tx.events.append(events), refusals)
        }
    }

    /// The submissions as events, the devices' ones completed from one query for all of their devices (or none,
    /// when the devices' rows were read by a batch of the same generation).
    private static func resolve(
        _ submissions: [Submission], origins: GenerationCache<Int, EventOrigin>, in tx: any StoreTransaction
    ) async throws -> (events: [NewEvent], refusals: [NimbusError?]) {
        var deviceIds: Set<Int> = []
        for case .device(let id, _, _, _) in submissions { deviceIds.insert(id) }
        let devices = deviceIds.isEmpty ? [:] : try await origins.values(for: deviceIds, in: tx) { ids in
            Dictionary(try await tx.devices.eventOrigins(ids: ids).map { ($0.deviceId, $0) }, uniquingKeysWith: { first, _ in first })
        }
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
                    origin: .device(id: device.deviceId, deviceClass: device.deviceClass), timestamp: timestamp))
                refusals.append(nil)
            }
        }
        return (events, refusals)
    }
}

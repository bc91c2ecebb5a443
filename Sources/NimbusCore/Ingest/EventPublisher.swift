import Logging
import Metrics

/// Publishes committed events live: each to its project's topic, and to every member of its home.
///
/// The members are read after the commit, on a reader connection, by one task that takes the batches in
/// commit order: the write transaction then holds one statement fewer (on SQLite the writer is the
/// bottleneck of ingest), and a user's stream still sees a home's events in the order they were stored.
/// Live delivery is best effort (what must survive is in the store): when the reads fall more than
/// `queueLimit` batches behind, the newest batches are not published, and a counter says so. While no user is
/// subscribed to the bus, no members are read, and while nobody is subscribed to a project or a user, batches are
/// not even queued (waking the publishing task cost the writer thread 7 % of its time): a subscriber sees the
/// events stored after it subscribed.
struct EventPublisher: IngestObserver {
    private let batches: AsyncStream<[Event]>.Continuation
    private let bus: any MessageBus
    private let dropped = Counter(label: "nimbus_live_event_batches_dropped_total")

    /// - Parameter queueLimit: batches waiting to be published (1024, as many messages as one bus subscriber
    ///   may fall behind); bounds the memory a burst can take while a read is slow.
    init(store: any Store, bus: any MessageBus, logger: Logger, queueLimit: Int = 1024) {
        let (stream, continuation) = AsyncStream<[Event]>.makeStream(bufferingPolicy: .bufferingOldest(queueLimit))
        self.batches = continuation
        self.bus = bus
        Task {
            for await events in stream {
                do {
                    try await Self.publish(events, store: store, bus: bus)
                } catch {
                    logger.warning("could not read the audience of live events", metadata: ["error": "\(error)"])
                }
            }
        }
    }

    func committed(_ events: [Event], staged: Void) {
        guard bus.mayHaveSubscribers(.project) || bus.mayHaveSubscribers(.user) else { return }
        if case .dropped = batches.yield(events) { dropped.increment() }
    }

    private static func publish(_ events: [Event], store: any Store, bus: any MessageBus) async throws {
        // With no user subscribed to anything (devices reporting while no app is open) the members are not read.
        let homeIds = bus.mayHaveSubscribers(.user) ? Set(events.compactMap(\.homeId)) : []
        let audiences: [Int: [Int]] = homeIds.isEmpty ? [:] : try await store.read { tx in
            var audiences: [Int: [Int]] = [:]
            for homeId in homeIds { audiences[homeId] = try await tx.homes.memberUserIds(homeId: homeId) }
            return audiences
        }
        for event in events {
            bus.publish(.event(event), to: .project(event.projectId))
            guard let homeId = event.homeId else { continue }
            for userId in audiences[homeId] ?? [] { bus.publish(.event(event), to: .user(userId)) }
        }
    }
}

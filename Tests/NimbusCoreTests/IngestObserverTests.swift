import Foundation
import NimbusStore
import Synchronization
import Testing

@testable import NimbusCore

/// Writes one outbox row per event in the events' transaction, refuses events of type "poison", and
/// records what it hears after the commit.
private final class RecordingObserver: IngestObserver {
    struct Heard: Sendable, Equatable {
        let eventTypes: [String]
        let staged: Int
    }

    let heard = Mutex<[Heard]>([])

    func stage(_ events: [Event], in tx: any StoreTransaction) async throws -> Int {
        for event in events {
            if event.eventType == "poison" { throw NimbusError.invalidInput(field: "eventType", reason: "poison") }
            try await tx.outbox.enqueue(EmailMessage(to: "observer@example.com", subject: event.eventType, body: "\(event.id)"), at: event.timestamp)
        }
        return events.count
    }

    func committed(_ events: [Event], staged: Int) {
        heard.withLock { $0.append(Heard(eventTypes: events.map(\.eventType), staged: staged)) }
    }
}

@Suite("The event write path and its observers")
struct IngestObserverTests {
    @Test("an observer's rows are written in the events' transaction; it hears of them after the commit, with what it staged")
    func derivedRowsAndFollowUp() async throws {
        let observer = RecordingObserver()
        let world = try await CoreTestWorld.make(eventObservers: [observer])
        let household = try await world.household()
        try await world.nimbus.events.fromDevice(household.deviceId, eventType: "door", eventData: [:], by: household.device)
        // Acknowledged means committed: the follow-up has run, and the derived row is in the store.
        #expect(observer.heard.withLock { $0 } == [RecordingObserver.Heard(eventTypes: ["door"], staged: 1)])
        let stored = try await world.store.read { tx in try await tx.events.recent(homeId: household.homeId, limit: 10) }
        let due = try await world.store.read { tx in try await tx.outbox.due(at: Date() + 1, limit: 10) }
        let rows = due.compactMap { EmailMessage(payload: $0.payload) }.filter { $0.to == "observer@example.com" }
        #expect(rows.map(\.body) == stored.map { "\($0.id)" }, "one derived row, naming the stored event")
        try await world.store.close()
    }

    @Test("an observer that fails rolls its batch back: that event is refused and not stored, its neighbours are")
    func failureRollsBack() async throws {
        let observer = RecordingObserver()
        let world = try await CoreTestWorld.make(eventObservers: [observer])
        let household = try await world.household()
        let outcomes = try await withThrowingTaskGroup(of: (String, Bool).self) { group in
            for type in ["a", "poison", "b", "c"] {
                group.addTask {
                    do {
                        try await world.nimbus.events.fromDevice(household.deviceId, eventType: type, eventData: [:], by: household.device)
                        return (type, true)
                    } catch NimbusError.invalidInput {
                        return (type, false)
                    }
                }
            }
            return try await group.reduce(into: [String: Bool]()) { $0[$1.0] = $1.1 }
        }
        #expect(outcomes == ["a": true, "poison": false, "b": true, "c": true])
        let stored = try await world.store.read { tx in try await tx.events.recent(homeId: household.homeId, limit: 10) }
        #expect(Set(stored.map(\.eventType)) == ["a", "b", "c"])
        let due = try await world.store.read { tx in try await tx.outbox.due(at: Date() + 1, limit: 10) }
        #expect(Set(due.compactMap { EmailMessage(payload: $0.payload) }.filter { $0.to == "observer@example.com" }.map(\.subject)) == ["a", "b", "c"])
        #expect(!observer.heard.withLock { $0 }.contains { $0.eventTypes.contains("poison") }, "a rolled-back batch is never announced")
        try await world.store.close()
    }

    @Test("every event reaches its project's topic; subscribing goes through the core, which checks the principal")
    func projectTopic() async throws {
        let world = try await CoreTestWorld.make()
        let household = try await world.household()
        let feed = try world.nimbus.live.projectEvents(of: household.key)
        try await world.nimbus.events.fromDevice(household.deviceId, eventType: "door", eventData: ["open": .bool(true)], by: household.device)
        try await world.nimbus.events.toHome(household.homeId, eventType: "note", eventData: [:], by: household.key)
        var received: [String] = []
        for await message in feed.messages {
            if case .event(let event) = message { received.append(event.eventType) }
            if received.count == 2 { break }
        }
        #expect(received == ["door", "note"])
        feed.cancel()

        let (_, weak) = try await world.nimbus.admin.createKey(projectId: household.project.id, name: "reader", permissions: [], by: .system)
        let reader = try await world.nimbus.authenticator.authenticate(token: weak)
        #expect(throws: NimbusError.permissionDenied) { _ = try world.nimbus.live.projectEvents(of: reader) }
        #expect(throws: NimbusError.wrongCredentialKind) { _ = try world.nimbus.live.userEvents(of: household.device) }
        #expect(throws: NimbusError.wrongCredentialKind) { _ = try world.nimbus.live.deviceChannel(of: household.user) }
        #expect(throws: NimbusError.authenticationRequired) { _ = try world.nimbus.live.projectEvents(of: .anonymous) }
        try await world.store.close()
    }
}

/// A store whose reads wait until the test opens the gate (writes pass straight through).
private final class GatedStore: Store {
    let inner: any Store
    private let gate = Mutex<[CheckedContinuation<Void, Never>]?>([])

    init(_ inner: any Store) { self.inner = inner }

    func read<T: Sendable>(_ body: @Sendable (any StoreTransaction) async throws -> T) async throws -> T {
        await withCheckedContinuation { continuation in
            let waiting = gate.withLock { waiters -> Bool in
                guard waiters != nil else { return false }
                waiters?.append(continuation)
                return true
            }
            if !waiting { continuation.resume() }
        }
        return try await inner.read(body)
    }

    func write<T: Sendable>(_ body: @Sendable (any StoreTransaction) async throws -> T) async throws -> T {
        try await inner.write(body)
    }

    /// How many reads wait at the gate.
    var waiting: Int { gate.withLock { $0?.count ?? 0 } }

    func open() {
        for waiter in gate.withLock({ waiters in defer { waiters = nil }; return waiters ?? [] }) { waiter.resume() }
    }
}

@Suite("The live publisher's queue")
struct EventPublisherBoundTests {
    @Test("while the audience read is stuck, at most the queue's limit of batches wait; later ones are dropped, earlier ones still arrive in order")
    func boundedQueue() async throws {
        let world = try await CoreTestWorld.make()
        let household = try await world.household()
        let store = GatedStore(world.store)
        let publisher = EventPublisher(store: store, bus: world.bus, logger: world.nimbus.environment.logger, queueLimit: 2)
        let feed = world.bus.subscribe(to: [.project(household.project.id)])
        // A user listens, so each batch reads its home's members.
        guard case .user(let userId, _, _, _) = household.user else { throw NimbusError.notFound("user") }
        let member = world.bus.subscribe(to: [.user(userId)])
        defer { member.cancel() }
        func event(_ n: Int) -> Event {
            Event(id: n, projectId: household.project.id, homeId: household.homeId, eventType: "e\(n)", eventData: [:],
                  origin: .projectKey(id: 1, name: "k"), timestamp: Date())
        }
        publisher.committed([event(1)], staged: ())
        // The first batch is taken off the queue and waits in its read.
        for _ in 0..<5000 where store.waiting == 0 { try await Task.sleep(for: .milliseconds(1)) }
        try #require(store.waiting == 1)
        for n in 2...5 { publisher.committed([event(n)], staged: ()) }
        store.open()
        var received: [String] = []
        for await message in feed.messages {
            if case .event(let event) = message { received.append(event.eventType) }
            if received.count == 3 { break }
        }
        #expect(received == ["e1", "e2", "e3"], "the batch in flight and the two queued ones, in order")
        // Nothing else was queued: a batch committed now is the next one published.
        publisher.committed([event(6)], staged: ())
        for await message in feed.messages {
            if case .event(let event) = message {
                #expect(event.eventType == "e6", "e4 and e5 were dropped")
                break
            }
        }
        feed.cancel()
        try await world.store.close()
    }

    @Test("with nobody subscribed to a project or a user, a batch is not even queued")
    func nobodySubscribed() async throws {
        let world = try await CoreTestWorld.make()
        let household = try await world.household()
        let store = GatedStore(world.store)
        let publisher = EventPublisher(store: store, bus: world.bus, logger: world.nimbus.environment.logger, queueLimit: 1)
        guard case .user(let userId, _, _, _) = household.user else { throw NimbusError.notFound("user") }
        func event(_ n: Int) -> Event {
            Event(id: n, projectId: household.project.id, homeId: household.homeId, eventType: "e\(n)", eventData: [:],
                  origin: .projectKey(id: 1, name: "k"), timestamp: Date())
        }
        func listen() -> [BusSubscription] {
            [world.bus.subscribe(to: [.project(household.project.id)]), world.bus.subscribe(to: [.user(userId)])]
        }
        // e1 waits in its members' read, holding the publishing task.
        var listeners = listen()
        publisher.committed([event(1)], staged: ())
        for _ in 0..<5000 where store.waiting == 0 { try await Task.sleep(for: .milliseconds(1)) }
        try #require(store.waiting == 1)
        for listener in listeners { listener.cancel() }
        // Nobody listens: e2 is skipped, so the one free place in the queue is still e3's.
        publisher.committed([event(2)], staged: ())
        listeners = listen()
        publisher.committed([event(3)], staged: ())
        store.open()
        var received: [String] = []
        for await message in listeners[0].messages {
            if case .event(let event) = message { received.append(event.eventType) }
            if received.count == 2 { break }
        }
        #expect(received == ["e1", "e3"])
        for listener in listeners { listener.cancel() }
        try await world.store.close()
    }

    @Test("with no user listening, a batch is published without reading its home's members")
    func nobodyListening() async throws {
        let world = try await CoreTestWorld.make()
        let household = try await world.household()
        let store = GatedStore(world.store)
        let publisher = EventPublisher(store: store, bus: world.bus, logger: world.nimbus.environment.logger)
        let feed = world.bus.subscribe(to: [.project(household.project.id)])
        publisher.committed([Event(id: 1, projectId: household.project.id, homeId: household.homeId, eventType: "e1", eventData: [:],
                                   origin: .projectKey(id: 1, name: "k"), timestamp: Date())], staged: ())
        // The gate is closed: a read would hold the batch back, and the project's feed would never hear of it.
        var iterator = feed.messages.makeAsyncIterator()
        guard case .event(let event)? = await iterator.next() else { throw NimbusError.notFound("event") }
        #expect(event.eventType == "e1")
        #expect(store.waiting == 0)
        feed.cancel()
        store.open()
        try await world.store.close()
    }
}

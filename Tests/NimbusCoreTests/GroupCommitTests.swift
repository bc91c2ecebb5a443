import Foundation
@testable import NimbusCore
import NimbusStore
import Synchronization
import Testing

/// What the ingest streams of a test share.
private final class Streams: Sendable {
    let stop = Atomic<Bool>(false)
    let finished = Atomic<Int>(0)
}

@Suite("Group commit: callers that cannot await, and fairness to other writes")
struct GroupCommitTests {
    @Test("an event submitted with a callback is stored when the callback says so; a bad one is refused before it is queued")
    func callback() async throws {
        let world = try await CoreTestWorld.make()
        let household = try await world.household()
        let result: Result<Void, any Error> = await withCheckedContinuation { continuation in
            do {
                try world.nimbus.events.submitFromDevice(household.deviceId, eventType: "door", eventData: ["open": .bool(true)]) {
                    continuation.resume(returning: $0)
                }
            } catch {
                continuation.resume(returning: .failure(error))
            }
        }
        #expect(throws: Never.self) { try result.get() }
        let stored = try await world.store.read { tx in try await tx.events.recent(homeId: household.homeId, limit: 10) }
        #expect(stored.map(\.eventType) == ["door"])
        #expect(throws: NimbusError.self) {
            try world.nimbus.events.submitFromDevice(household.deviceId, eventType: "", eventData: [:]) { _ in
                Issue.record("a refused event was queued")
            }
        }
        try await world.store.close()
    }

    @Test("callers are answered once their batch is durable; the next batch commits while the last is flushed, not more")
    func answersWhenDurable() async throws {
        let commits = Mutex<[[Int]]>([])
        // For each commit, who waits for its flush; and its flush's result once it is known.
        let flushes = Mutex<[[Durability.Callback]]>([])
        let flushed = Mutex<[Int: Result<Void, any Error>]>([:])
        let answers = Mutex<[Int: Bool]>([:])
        let group = GroupCommit<Int> { batch in
            let index = flushes.withLock { flushes in
                flushes.append([])
                return flushes.count - 1
            }
            commits.withLock { $0.append(batch) }
            // As a store's durability does: a callback given after the flush is called at once.
            return (batch.map { _ in nil }, Durability { callback in
                let known = flushed.withLock { flushed in
                    flushes.withLock { flushes in
                        if flushed[index] == nil { flushes[index].append(callback) }
                    }
                    return flushed[index]
                }
                if let known { callback(known) }
            })
        }
        func submit(_ n: Int) {
            group.submit(n) { result in answers.withLock { $0[n] = (try? result.get()) != nil } }
        }
        func flush(_ index: Int, _ result: Result<Void, any Error>) {
            let waiting = flushed.withLock { flushed in
                flushed[index] = result
                return flushes.withLock { $0[index] }
            }
            for callback in waiting { callback(result) }
        }
        submit(1)
        try await eventually { flushes.withLock { $0.first?.count } == 1 }
        submit(2)
        try await eventually { commits.withLock { $0.count } == 2 }
        #expect(answers.withLock { $0.isEmpty }, "nobody is answered before a flush")
        submit(3)
        try await Task.sleep(for: .milliseconds(50))
        #expect(commits.withLock { $0 } == [[1], [2]], "a third batch waits for the first one's flush")
        flush(0, .success(()))
        try await eventually { flushes.withLock { $0.count == 3 && !$0[2].isEmpty } }
        #expect(answers.withLock { $0 } == [1: true])
        flush(1, .failure(NimbusError.notFound("disk")))
        flush(2, .success(()))
        try await eventually { answers.withLock { $0.count } == 3 }
        #expect(answers.withLock { $0 } == [1: true, 2: false, 3: true])
    }

    /// Waits for `condition` up to 10 s (a loaded CI machine can take seconds to run a thread), then expects it.
    private func eventually(_ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while !condition(), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(1)) }
        #expect(condition())
    }

    @Test("while ingest keeps the writer busy, another write still gets its turn")
    func otherWritesAreNotStarved() async throws {
        let world = try await CoreTestWorld.make()
        let household = try await world.household()
        let state = Streams()
        let streams = 16, eventsPerStream = 300
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<streams {
                group.addTask {
                    for n in 0..<eventsPerStream where !state.stop.load(ordering: .relaxed) {
                        try await world.nimbus.events.fromDevice(household.deviceId, eventType: "tick", eventData: ["n": .number(Double(n))], by: household.device)
                    }
                    state.finished.add(1, ordering: .relaxed)
                }
            }
            // Let the streams fill the queue, then write something else on the same writer.
            try await Task.sleep(for: .milliseconds(50))
            _ = try await world.nimbus.homes.create(name: "Second home", by: household.user)
            let finishedBefore = state.finished.load(ordering: .relaxed)
            state.stop.store(true, ordering: .relaxed)
            try await group.waitForAll()
            #expect(finishedBefore == 0, "the other write waited until the ingest ran dry")
        }
        try await world.store.close()
    }
}

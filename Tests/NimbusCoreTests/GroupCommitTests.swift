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

    @Test("callers who arrive during a commit are one next batch, answered once it returns, each with its own outcome")
    func batchesWhatArrivesDuringACommit() async throws {
        let commits = Mutex<[[Int]]>([])
        let answers = Mutex<[Int: Bool]>([:])
        // The first commit holds until the test lets it go, as a flush of the disk would.
        let release = Atomic<Bool>(false)
        let group = GroupCommit<Int> { batch in
            commits.withLock { $0.append(batch) }
            while batch == [1], !release.load(ordering: .relaxed) { try await Task.sleep(for: .milliseconds(1)) }
            return batch.map { $0 == 3 ? NimbusError.notFound("thing") : nil }
        }
        func submit(_ n: Int) {
            group.submit(n) { result in answers.withLock { $0[n] = (try? result.get()) != nil } }
        }
        submit(1)
        try await eventually { commits.withLock { $0.count } == 1 }
        for n in 2...4 { submit(n) }
        try await Task.sleep(for: .milliseconds(50))
        #expect(commits.withLock { $0 } == [[1]], "nothing else is committed while a commit runs")
        #expect(answers.withLock { $0.isEmpty }, "nobody is answered before the commit returns")
        release.store(true, ordering: .relaxed)
        try await eventually { answers.withLock { $0.count } == 4 }
        #expect(commits.withLock { $0 } == [[1], [2, 3, 4]])
        #expect(answers.withLock { $0 } == [1: true, 2: true, 3: false, 4: true], "a refusal answers only its own caller")
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

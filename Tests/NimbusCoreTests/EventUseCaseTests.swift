import Foundation
import NimbusCore
import NimbusStore
import Testing

@Suite("Events")
struct EventUseCaseTests {
    @Test("concurrent events are all stored (group commit) and all reach the home's members")
    func groupCommit() async throws {
        let world = try await CoreTestWorld.make()
        let household = try await world.household()
        guard case .user(let userId, _, _, _) = household.user else { Issue.record("not a user"); return }
        let subscription = world.bus.subscribe(to: [.user(userId)])
        let count = 300
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<count {
                group.addTask {
                    try await world.nimbus.events.fromDevice(
                        household.deviceId, eventType: "tick", eventData: ["n": .number(Double(index))], by: household.device)
                }
            }
            try await group.waitForAll()
        }
        let stored = try await world.store.read { tx in try await tx.events.recent(homeId: household.homeId, limit: 1000) }
        #expect(stored.count == count, "every acknowledged event is in the store")
        #expect(Set(stored.compactMap { $0.eventData["n"] }).count == count)
        var received = 0
        for await message in subscription.messages {
            if case .event = message { received += 1 }
            if received == count { break }
        }
        #expect(received == count)
        subscription.cancel()
        try await world.store.close()
    }

    @Test("only the device itself may send its events; project keys need the events permission")
    func authorization() async throws {
        let world = try await CoreTestWorld.make()
        let household = try await world.household()
        await #expect(throws: NimbusError.wrongCredentialKind) {
            try await world.nimbus.events.fromDevice(household.deviceId, eventType: "x", eventData: [:], by: household.user)
        }
        await #expect(throws: NimbusError.notFound("device")) {
            try await world.nimbus.events.fromDevice(household.deviceId, eventType: "x", eventData: [:], by: .device(deviceId: 999, projectId: household.project.id))
        }
        await #expect(throws: NimbusError.invalidInput(field: "eventType", reason: "1 to 256 characters")) {
            try await world.nimbus.events.fromDevice(household.deviceId, eventType: "", eventData: [:], by: household.device)
        }
        let (_, weak) = try await world.nimbus.admin.createKey(projectId: household.project.id, name: "reader", permissions: [], by: .system)
        let reader = try await world.nimbus.authenticator.authenticate(token: weak)
        await #expect(throws: NimbusError.permissionDenied) {
            try await world.nimbus.events.toHome(household.homeId, eventType: "x", eventData: [:], by: reader)
        }
        try await world.nimbus.events.toHome(household.homeId, eventType: "x", eventData: [:], by: household.key)
        try await world.store.close()
    }
}

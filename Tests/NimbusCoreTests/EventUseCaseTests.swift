import Foundation
import Logging
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

    @Test("a device's home read by one batch serves the next ones only until another write: here, or in another process")
    func devicesKeptPerGeneration() async throws {
        let world = try await CoreTestWorld.make()
        let household = try await world.household()
        let send = { (n: Int) in
            try await world.nimbus.events.fromDevice(household.deviceId, eventType: "tick", eventData: ["n": .number(Double(n))], by: household.device)
        }
        let numbers = { (homeId: Int) in
            try await world.store.read { tx in try await tx.events.recent(homeId: homeId, limit: 10) }.compactMap { $0.eventData["n"] }
        }
        try await send(1)
        try await send(2)
        let second = try await world.nimbus.homes.create(name: "Second", by: household.user)
        try await world.nimbus.devices.update(household.deviceId, name: nil, tag: nil, homeId: .some(second.id), by: household.key)
        try await send(3)
        #expect(try await numbers(second.id) == [.number(3)], "the move is seen by the next batch")

        // An admin command of another process moves it back: only the database knows.
        let other = try await SQLStore.open(databaseURL: nil, dataDirectory: world.directory, logger: Logger(label: "other-process"))
        let otherCore = Nimbus(environment: CoreEnvironment(store: other, bus: InProcessBus(), logger: Logger(label: "other-process")))
        try await otherCore.devices.update(household.deviceId, name: nil, tag: nil, homeId: .some(household.homeId), by: household.key)
        try await other.close()
        try await send(4)
        #expect(try await numbers(household.homeId) == [.number(4), .number(2), .number(1)])

        try await world.nimbus.devices.delete(household.deviceId, by: household.user)
        await #expect(throws: NimbusError.notFound("device")) { try await send(5) }
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

import Foundation
import Logging
import NimbusStore
import Testing

@testable import NimbusCore

/// Ingest evaluates an account's rules from `RuleSetCache` while the store's version of them is the one kept, and
/// reads them again after any change it did not make itself.
@Suite("Rule evaluation on ingest")
struct RuleObserverTests {
    /// A store with one thing and one rule `channel 1 > threshold` on it, and a core over it.
    private struct World {
        let environment: CoreEnvironment
        let nimbus: Nimbus
        let store: SQLStore
        let projectId: Int
        let homeId: Int
        let thingId: Int
        let ruleId: String

        static func make(threshold: String) async throws -> World {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("nimbus-rules-\(UUID().uuidString)").path
            var logger = Logger(label: "rule-observer-test")
            logger.logLevel = .warning
            let store = try await SQLStore.open(databaseURL: nil, dataDirectory: directory, logger: logger)
            let environment = CoreEnvironment(store: store, bus: InProcessBus(), logger: logger)
            let nimbus = Nimbus(environment: environment)
            let project = try await nimbus.admin.createProject(name: "rules", accountMode: .email, provisioning: .claim, by: .system)
            let now = Date()
            let (homeId, thingId, ruleId) = try await store.write { tx in
                let home = try await tx.homes.insert(projectId: project.id, name: "account", at: now)
                let thing = try await tx.devices.insert(ThingUseCases.newThing(
                    projectId: project.id, homeId: home.id, typeId: ThingType.genericDeviceId, name: "tank", parentId: nil, channel: nil,
                    hardwareId: nil, status: .activated, properties: [:], at: now))
                let trigger = RuleTrigger(thingId: thing.id, channel: "1", conditions: [RuleCondition(operator: .gt, values: [threshold])])
                let rule = Rule(id: Rule.newId(), projectId: project.id, homeId: home.id, title: "high", enabled: true,
                                definition: RuleDefinition(triggers: [trigger]), creationTime: now, updateTime: now)
                try await tx.rules.insert(rule)
                return (home.id, thing.id, rule.id)
            }
            return World(environment: environment, nimbus: nimbus, store: store, projectId: project.id, homeId: homeId, thingId: thingId, ruleId: ruleId)
        }

        func read(_ value: Double) async throws {
            let reading = NewReading(channel: "1", value: .number(value), type: "temp", unit: "c", timestamp: Date())
            try await nimbus.readings.fromThing(thingId, readings: [reading], by: .device(deviceId: thingId, projectId: projectId))
        }

        func rule() async throws -> Rule {
            try #require(try await store.read { tx in try await tx.rules.get(id: ruleId) })
        }
    }

    @Test("a rule fires when its condition becomes true, from the kept rules, and the store has the state it fired with")
    func firesFromTheCache() async throws {
        let world = try await World.make(threshold: "30")
        try await world.read(20)
        #expect(world.environment.ruleSets.count == 1, "the account's one rule is kept after the first batch")
        try await world.read(31)
        try await world.read(32)
        var rule = try await world.rule()
        #expect(rule.runCount == 1 && rule.isActive && rule.triggerStates == [true], "fired once while it stays above")
        try await world.read(10)
        try await world.read(35)
        rule = try await world.rule()
        #expect(rule.runCount == 2 && rule.isActive, "re-armed below, fired again above")
        #expect(try await world.store.read { tx in try await tx.rules.logs(homeId: world.homeId, ruleId: world.ruleId, from: nil, to: nil, limit: 10) }.count == 2)
    }

    @Test("a change the batch did not make (another server, an edit) is seen by the next batch")
    func readsAgainAfterAnOutsideChange() async throws {
        let world = try await World.make(threshold: "30")
        try await world.read(20)
        // What another server on the same database would do: a new threshold, the rule starting again unarmed.
        var changed = try await world.rule()
        changed.definition.triggers[0].conditions = [RuleCondition(operator: .gt, values: ["50"])]
        changed.triggerStates = [nil]
        try await world.store.write { [changed] tx in try await tx.rules.update(changed) }
        try await world.read(40)
        #expect(try await world.rule().runCount == 0, "40 is not above the new threshold")
        try await world.read(55)
        #expect(try await world.rule().runCount == 1)

        // Another server's firing: its state and count, which this one's next firing goes on from.
        var fired = try await world.rule()
        fired.isActive = false
        fired.triggerStates = [false]
        fired.runCount = 7
        _ = try await world.store.write { [fired] tx in try await tx.rules.updateStates(of: world.homeId, [fired]) }
        try await world.read(60)
        #expect(try await world.rule().runCount == 8)

        // A disabled rule is not evaluated; deleted, it is gone from what is kept.
        fired = try await world.rule()
        fired.enabled = false
        try await world.store.write { [fired] tx in try await tx.rules.update(fired) }
        try await world.read(10)
        try await world.read(70)
        #expect(try await world.rule().runCount == 8)
        #expect(world.environment.ruleSets.count == 0)
    }

    @Test("the cache keeps at most its capacity of rules and gives a set back only at the version asked")
    func cacheBounds() {
        let cache = RuleSetCache(capacity: 3)
        let now = Date()
        func set(_ homeId: Int, rules: Int, version: Int64 = 1) -> RuleSet {
            RuleSet(homeId: homeId, version: version, rules: (0..<rules).map { index in
                Rule(id: "\(homeId)-\(index)", projectId: 1, homeId: homeId, title: "r", enabled: true,
                     definition: RuleDefinition(triggers: [RuleTrigger(thingId: index, channel: "1", conditions: [])]), creationTime: now, updateTime: now)
            })
        }
        cache.put(set(1, rules: 2))
        #expect(cache.take(homeId: 1, version: 2) == nil, "another version is not given")
        #expect(cache.take(homeId: 1, version: 1) == nil, "and is forgotten")
        cache.put(set(1, rules: 2))
        cache.put(set(2, rules: 1))
        #expect(cache.count == 3)
        cache.put(set(3, rules: 2))
        #expect(cache.count == 2, "putting one that does not fit forgets the others")
        #expect(cache.take(homeId: 3, version: 1)?.rules.count == 2)
        cache.put(set(4, rules: 4))
        #expect(cache.count == 0, "a set larger than the capacity is not kept")
        #expect(set(5, rules: 3).watching(sensorId: 2, deviceId: 1).sorted() == [1, 2], "a reading of a channel of thing 1 concerns thing 1's and its sensor's rules")
    }
}

import Foundation
import NimbusCore
import Testing

@testable import NimbusStore

/// Migration 15's rules: stored with their definition and state, found by the things they watch (enabled ones only),
/// each change giving the account's rules a new version (migration 20), and their logs kept to a bound per rule — on
/// SQLite, and on PostgreSQL when it is configured.
@Suite("SQL store: rules", .serialized)
struct SQLRuleStoreTests {
    @Test("a rule round-trips, is found by the things it watches while enabled, and its log keeps the newest entries", arguments: StoreBackend.available)
    func rules(backend: StoreBackend) async throws {
        try await withStore(backend) { store in
            let (projectId, homeId, parent, sensor) = try await SQLReadingRollupTests.sensor(in: store)
            let now = SQLReadingRollupTests.base
            let definition = RuleDefinition(
                triggers: [RuleTrigger(thingId: sensor, channel: "1", unit: "c", conditions: [RuleCondition(operator: .between, values: ["1", "5"])])],
                combination: .or, actions: [RuleAction(thingId: parent, channel: "2", value: "1")],
                notifications: [RuleNotification(method: .sms, recipient: "+31612345678", body: nil)], repeatInterval: 600)
            var rule = Rule(id: Rule.newId(), projectId: projectId, homeId: homeId, title: "Range", enabled: true, definition: definition,
                            creationTime: now, updateTime: now)
            let ruleId = rule.id
            try await store.write { [rule] tx in try await tx.rules.insert(rule) }
            #expect(try await store.read { tx in try await tx.rules.get(id: ruleId) } == rule)
            #expect(try await store.read { tx in try await tx.rules.enabled(homeId: homeId) } == [rule])
            let inserted = try #require(try await store.read { tx in try await tx.rules.versions(homeIds: [homeId, 999_999]) }[homeId])
            #expect(try await store.read { tx in try await tx.rules.versions(homeIds: [999_999]) }.isEmpty, "an account without rules has none")
            #expect(try await store.read { tx in try await tx.rules.watching(thingIds: [sensor, 999_999]) }.map(\.id) == [ruleId])
            #expect(try await store.read { tx in try await tx.rules.watching(thingIds: [parent]) }.isEmpty, "the parent is only a target")

            rule.isActive = true
            rule.triggerStates = [true]
            rule.runCount = 3
            rule.lastFired = now + 60
            rule.lastNotified = now + 60
            let written = try await store.write { [rule] tx in try await tx.rules.updateStates(of: homeId, [rule]) }
            #expect(try await store.read { tx in try await tx.rules.get(id: ruleId) } == rule)
            let afterWrite = try await store.read { tx in try await tx.rules.versions(homeIds: [homeId]) }[homeId]
            #expect(written != inserted && written == afterWrite)

            // A rolled-back change leaves the version as it was; the next change gives one never seen before.
            struct RolledBack: Error {}
            await #expect(throws: RolledBack.self) {
                try await store.write { [rule] tx in
                    _ = try await tx.rules.updateStates(of: homeId, [rule])
                    throw RolledBack()
                }
            }
            #expect(try await store.read { tx in try await tx.rules.versions(homeIds: [homeId]) }[homeId] == written)

            rule.enabled = false
            rule.definition.triggers[0].thingId = parent
            try await store.write { [rule] tx in try await tx.rules.update(rule) }
            #expect(try await store.read { tx in try await tx.rules.watching(thingIds: [sensor, parent]) }.isEmpty, "disabled")
            #expect(try await store.read { tx in try await tx.rules.enabled(homeId: homeId) }.isEmpty)
            let updated = try #require(try await store.read { tx in try await tx.rules.versions(homeIds: [homeId]) }[homeId])
            #expect(updated != written)
            #expect(try await store.read { tx in try await tx.rules.list(homeId: homeId) } == [rule])

            for index in 0..<5 {
                let entry = RuleLogEntry(
                    id: 0, ruleId: rule.id, homeId: homeId, time: now + Double(index), readingId: index, thingId: sensor, channel: "1",
                    value: index == 4 ? .numbers([52.1, 4.2]) : .number(Double(index)),
                    outcomes: [.init(kind: "sms", target: "+31612345678", status: "queued")])
                _ = try await store.write { tx in try await tx.rules.appendLog(entry, keep: 3) }
            }
            let logs = try await store.read { tx in try await tx.rules.logs(homeId: homeId, ruleId: ruleId, from: nil, to: nil, limit: 10) }
            #expect(logs.map(\.readingId) == [4, 3, 2], "the three newest, newest first")
            #expect(logs.first?.value == .numbers([52.1, 4.2]) && logs.first?.outcomes.first?.status == "queued")
            let ranged = try await store.read { tx in try await tx.rules.logs(homeId: homeId, ruleId: nil, from: now + 3, to: now + 3, limit: 10) }
            #expect(ranged.map(\.readingId) == [3])

            // Deleting the rule takes its log and its watched things; deleting a thing it watches takes the watch.
            try await store.write { tx in try await tx.rules.delete(id: ruleId) }
            #expect(try await store.read { tx in try await tx.rules.versions(homeIds: [homeId]) }[homeId] != updated, "a deletion is a change")
            #expect(try await store.read { tx in try await tx.rules.logs(homeId: homeId, ruleId: nil, from: nil, to: nil, limit: 10) }.isEmpty)
            #expect(try await store.read { tx in try await tx.rules.count(homeId: homeId) } == 0)
        }
    }
}

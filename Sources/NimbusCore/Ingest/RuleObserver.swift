import Foundation

/// Evaluates the account's rules on each batch of stored readings, in the readings' own transaction: a firing, its
/// log entry, its commands and its outbox items commit with the reading that caused it, so a crash neither loses a
/// firing nor makes it twice. Once committed, the commands go to their things and the outbox is woken.
///
/// The readings of a batch are taken in time order; each one updates the state of the triggers that watch its
/// channel (`RuleEvaluator` decides whether the rule fires). The rules are looked up once per batch, by the things read.
struct RuleObserver: IngestObserver {
    let environment: CoreEnvironment

    func stage(_ readings: [Reading], in tx: any StoreTransaction) async throws -> AutomationEffects {
        let thingIds = Set(readings.flatMap { [$0.sensorId, $0.deviceId] })
        let stored = try await tx.rules.watching(thingIds: Array(thingIds).sorted())
        guard !stored.isEmpty else { return AutomationEffects() }
        var rules = stored
        // The rules of each thing a trigger names: a reading looks at its own channel's rules, not at every rule loaded.
        var byThing: [Int: [Int]] = [:]
        for (index, rule) in rules.enumerated() {
            for thingId in Set(rule.definition.triggers.map(\.thingId)) { byThing[thingId, default: []].append(index) }
        }
        var staged = AutomationEffects()
        let now = environment.clock.now()
        let evaluator = RuleEvaluator(environment: environment)
        for reading in readings.sorted(by: { ($0.timestamp, $0.id) < ($1.timestamp, $1.id) }) {
            var candidates = byThing[reading.sensorId] ?? []
            if reading.deviceId != reading.sensorId, let more = byThing[reading.deviceId] { candidates = Array(Set(candidates + more)).sorted() }
            for index in candidates where rules[index].homeId == reading.homeId {
                let triggers = rules[index].definition.triggers
                let updates = triggers.indices.filter { triggers[$0].watches(reading) }.map { ($0, triggers[$0].holds(for: reading.value)) }
                try await evaluator.apply(updates, to: &rules[index], cause: .reading(reading), at: now, staged: &staged, in: tx)
            }
        }
        // Only what changed is written: most readings leave their rules as they were.
        for index in rules.indices where !rules[index].hasSameState(as: stored[index]) { try await tx.rules.updateState(rules[index]) }
        return staged
    }

    func committed(_ readings: [Reading], staged: AutomationEffects) {
        staged.published(environment: environment)
    }
}

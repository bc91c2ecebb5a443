import Foundation

/// Evaluates the account's rules on each batch of stored readings, in the readings' own transaction: a firing, its
/// log entry, its commands and its outbox items commit with the reading that caused it, so a crash neither loses a
/// firing nor makes it twice. Once committed, the commands go to their things and the outbox is woken.
///
/// The readings of a batch are taken in time order; each one updates the state of the triggers that watch its
/// channel (`RuleEvaluator` decides whether the rule fires). A batch reads one version per account (which also takes
/// the account's rule lock on PostgreSQL); an account's rules themselves come from `RuleSetCache` while the store
/// still has the version they were kept at, so most batches read no rule at all.
struct RuleObserver: IngestObserver {
    let environment: CoreEnvironment

    func stage(_ readings: [Reading], in tx: any StoreTransaction) async throws -> AutomationEffects {
        let versions = try await tx.rules.versions(homeIds: Array(Set(readings.compactMap(\.homeId))))
        guard !versions.isEmpty else { return AutomationEffects() }
        var sets: [RuleSet] = []
        var setOfHome: [Int: Int] = [:]
        for (homeId, version) in versions.sorted(by: { $0.key < $1.key }) {
            setOfHome[homeId] = sets.count
            if let kept = environment.ruleSets.take(homeId: homeId, version: version) {
                sets.append(kept)
            } else {
                sets.append(RuleSet(homeId: homeId, version: version, rules: try await tx.rules.enabled(homeId: homeId)))
            }
        }
        var changed = Array(repeating: Set<Int>(), count: sets.count)
        var staged = AutomationEffects()
        let now = environment.clock.now()
        let evaluator = RuleEvaluator(environment: environment)
        for reading in readings.sorted(by: { ($0.timestamp, $0.id) < ($1.timestamp, $1.id) }) {
            guard let homeId = reading.homeId, let s = setOfHome[homeId] else { continue }
            for index in sets[s].watching(sensorId: reading.sensorId, deviceId: reading.deviceId) {
                var updates: [(trigger: Int, holds: Bool)] = []
                for (position, trigger) in sets[s].rules[index].definition.triggers.enumerated() where trigger.watches(reading) {
                    updates.append((position, trigger.holds(for: reading.value)))
                }
                guard !updates.isEmpty else { continue }
                var rule = sets[s].rules[index]
                guard try await evaluator.apply(updates, to: &rule, cause: .reading(reading), at: now, staged: &staged, in: tx) else { continue }
                sets[s].rules[index] = rule
                changed[s].insert(index)
            }
        }
        // Only what changed is written: most readings leave their rules as they were.
        for s in sets.indices where !changed[s].isEmpty {
            sets[s].version = try await tx.rules.updateStates(of: sets[s].homeId, changed[s].sorted().map { sets[s].rules[$0] })
        }
        for set in sets { environment.ruleSets.put(set) }
        return staged
    }

    func committed(_ readings: [Reading], staged: AutomationEffects) {
        staged.published(environment: environment)
    }
}

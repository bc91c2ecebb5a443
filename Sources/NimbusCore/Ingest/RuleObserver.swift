import Foundation

/// Evaluates the account's rules on each batch of stored readings, in the readings' own transaction: a firing, its
/// log entry, its commands and its outbox items commit with the reading that caused it, so a crash neither loses a
/// firing nor makes it twice. Once committed, the commands go to their things and the outbox is woken.
///
/// The readings of a batch are taken in time order; each one updates the state of the triggers that watch its
/// channel, and the rule fires when its condition turns true (or, with a repeat interval, while it stays true once
/// the interval has passed since the last firing). The rules are looked up once per batch, by the things read.
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
        for reading in readings.sorted(by: { ($0.timestamp, $0.id) < ($1.timestamp, $1.id) }) {
            var candidates = byThing[reading.sensorId] ?? []
            if reading.deviceId != reading.sensorId, let more = byThing[reading.deviceId] { candidates = Array(Set(candidates + more)).sorted() }
            for index in candidates where rules[index].homeId == reading.homeId {
                let triggers = rules[index].definition.triggers
                var watched = false
                for trigger in triggers.indices where triggers[trigger].watches(reading) {
                    rules[index].triggerStates[trigger] = triggers[trigger].holds(for: reading.value)
                    watched = true
                }
                guard watched else { continue }
                let holds = rules[index].definition.holds(rules[index].triggerStates)
                defer { rules[index].isActive = holds }
                guard holds, !rules[index].isActive || repeatIsDue(rules[index], at: now) else { continue }
                try await fire(&rules[index], by: reading, at: now, staged: &staged, in: tx)
            }
        }
        // Only what changed is written: most readings leave their rules as they were.
        for index in rules.indices where !rules[index].hasSameState(as: stored[index]) { try await tx.rules.updateState(rules[index]) }
        return staged
    }

    func committed(_ readings: [Reading], staged: AutomationEffects) {
        staged.published(environment: environment)
    }

    private func repeatIsDue(_ rule: Rule, at now: Date) -> Bool {
        guard let interval = rule.definition.repeatInterval, let last = rule.lastFired else { return false }
        return now.timeIntervalSince(last) >= TimeInterval(interval)
    }

    /// Runs the rule's actions and notifications, and logs what each became.
    private func fire(
        _ rule: inout Rule, by reading: Reading, at now: Date, staged: inout AutomationEffects, in tx: any StoreTransaction
    ) async throws {
        let notifies = rule.lastNotified.map { now.timeIntervalSince($0) >= TimeInterval(environment.thingLimits.ruleNotificationInterval) } ?? true
        let body = rule.definition.notifications.allSatisfy({ $0.body != nil }) ? "" : Self.defaultBody(
            rule: rule, reading: reading, thing: try await tx.devices.get(id: reading.deviceId))
        let outcomes = try await staged.perform(
            actions: rule.definition.actions, notifications: rule.definition.notifications, pushes: rule.definition.httpPush, notify: notifies, homeId: rule.homeId,
            subject: "Nimbus alert: \(rule.title)", body: body, environment: environment, at: now, in: tx)
        rule.runCount += 1
        rule.lastFired = now
        if notifies && !rule.definition.notifications.isEmpty { rule.lastNotified = now }
        _ = try await tx.rules.appendLog(
            RuleLogEntry(
                id: 0, ruleId: rule.id, homeId: rule.homeId, time: now, readingId: reading.id, thingId: reading.sensorId,
                channel: reading.channel, value: reading.value, outcomes: outcomes),
            keep: environment.thingLimits.logsKeptPerRule)
    }

    /// `Tank level: "Tank 1" channel 2 read 17.5 p at 2026-12-05T06:00:00.000Z.`, naming the device the reading came from
    /// (not its channel's child sensor, whose name the server made up).
    static func defaultBody(rule: Rule, reading: Reading, thing: Device?) -> String {
        let name = thing.map { "\"\($0.name)\"" } ?? "a thing"
        let value: String = switch reading.value {
        case .number(let number): RuleCondition.text(number)
        case .numbers(let numbers): numbers.map(RuleCondition.text).joined(separator: ",")
        case .text(let text): text
        }
        let unit = reading.unit.map { " \($0)" } ?? ""
        return "\(rule.title): \(name) channel \(reading.channel) read \(value)\(unit) at \(Timestamp.rfc3339(reading.timestamp))."
    }
}

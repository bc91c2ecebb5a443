import Foundation

/// Applies what a trigger's thing did to a rule — a reading of its channel, or a change of its connection state — and
/// fires the rule when its condition turns true (or, with a repeat interval, while it stays true once the interval has
/// passed), inside the caller's transaction: the firing's state, log entry, commands and outbox items commit with what
/// caused it. Used by the readings' observer (`RuleObserver`), the connection tracker and the offline check.
struct RuleEvaluator: Sendable {
    /// What made the triggers change.
    enum Cause: Sendable {
        case reading(Reading)
        /// A thing's connection state: connected, or disconnected (for long enough, for an `offline` trigger).
        case connection(thingId: Int, connected: Bool)
    }

    let environment: CoreEnvironment

    /// Sets the triggers' new states on `rule` and fires it if its condition turned true.
    /// - Returns: whether the rule's state changed (what `RuleRepository.updateStates` writes).
    @discardableResult
    func apply(
        _ updates: [(trigger: Int, holds: Bool)], to rule: inout Rule, cause: Cause, at now: Date, staged: inout AutomationEffects,
        in tx: any StoreTransaction
    ) async throws -> Bool {
        guard !updates.isEmpty else { return false }
        // Most readings leave every trigger as it was, and the rule holding as it did (`isActive`): only a repeat can fire.
        let unchanged = !updates.contains { rule.triggerStates[$0.trigger] != $0.holds }
        if unchanged && !(rule.isActive && rule.definition.repeatInterval != nil) && rule.isActive == rule.definition.holds(rule.triggerStates) {
            return false
        }
        let before = rule
        for (trigger, holds) in updates { rule.triggerStates[trigger] = holds }
        let holds = rule.definition.holds(rule.triggerStates)
        if holds, !rule.isActive || repeatIsDue(rule, at: now) {
            try await fire(&rule, cause: cause, at: now, staged: &staged, in: tx)
        }
        rule.isActive = holds
        return !rule.hasSameState(as: before)
    }

    private func repeatIsDue(_ rule: Rule, at now: Date) -> Bool {
        guard let interval = rule.definition.repeatInterval, let last = rule.lastFired else { return false }
        return now.timeIntervalSince(last) >= TimeInterval(interval)
    }

    /// Runs the rule's actions, notifications and pushes, and logs what each became.
    private func fire(_ rule: inout Rule, cause: Cause, at now: Date, staged: inout AutomationEffects, in tx: any StoreTransaction) async throws {
        let notifies = rule.lastNotified.map { now.timeIntervalSince($0) >= TimeInterval(environment.thingLimits.ruleNotificationInterval) } ?? true
        let (thingId, deviceId, channel, value, readingId): (Int, Int, String, ReadingValue, Int) = switch cause {
        case .reading(let reading): (reading.sensorId, reading.deviceId, reading.channel, reading.value, reading.id)
        case .connection(let thingId, let connected): (thingId, thingId, "", .text(connected ? "online" : "offline"), 0)
        }
        let body = rule.definition.notifications.allSatisfy({ $0.body != nil }) ? "" : Self.defaultBody(
            rule: rule, cause: cause, thing: try await tx.devices.get(id: deviceId), at: now)
        let outcomes = try await staged.perform(
            actions: rule.definition.actions, notifications: rule.definition.notifications, pushes: rule.definition.httpPush, notify: notifies,
            homeId: rule.homeId, subject: "Nimbus alert: \(rule.title)", body: body, environment: environment, at: now, in: tx)
        rule.runCount += 1
        rule.lastFired = now
        if notifies && !rule.definition.notifications.isEmpty { rule.lastNotified = now }
        _ = try await tx.rules.appendLog(
            RuleLogEntry(
                id: 0, ruleId: rule.id, homeId: rule.homeId, time: now, readingId: readingId, thingId: thingId, channel: channel, value: value,
                outcomes: outcomes),
            keep: environment.thingLimits.logsKeptPerRule)
    }

    /// `Tank level: "Tank 1" channel 2 read 17.5 p at 2026-12-05T06:00:00.000Z.` or `Pump offline: "Pump" went offline at
    /// …`, naming the device (not a channel's child sensor, whose name the server made up).
    static func defaultBody(rule: Rule, cause: Cause, thing: Device?, at now: Date) -> String {
        let name = thing.map { "\"\($0.name)\"" } ?? "a thing"
        switch cause {
        case .connection(_, let connected):
            return "\(rule.title): \(name) \(connected ? "came online" : "went offline") (checked at \(Timestamp.rfc3339(now)))."
        case .reading(let reading):
            let unit = reading.unit.map { " \($0)" } ?? ""
            return "\(rule.title): \(name) channel \(reading.channel) read \(reading.value.text())\(unit) at \(Timestamp.rfc3339(reading.timestamp))."
        }
    }
}

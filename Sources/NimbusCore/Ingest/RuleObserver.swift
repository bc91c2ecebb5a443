import Foundation

/// Evaluates the account's rules on each batch of stored readings, in the readings' own transaction: a firing, its
/// log entry, its commands and its outbox items commit with the reading that caused it, so a crash neither loses a
/// firing nor makes it twice. Once committed, the commands go to their things and the outbox is woken.
///
/// The readings of a batch are taken in time order; each one updates the state of the triggers that watch its
/// channel, and the rule fires when its condition turns true (or, with a repeat interval, while it stays true once
/// the interval has passed since the last firing). The rules are looked up once per batch, by the things read.
struct RuleObserver: IngestObserver {
    struct Staged: Sendable {
        var commands: [(command: ThingCommand, homeId: Int)] = []
        var enqueued = false
    }

    let environment: CoreEnvironment

    func stage(_ readings: [Reading], in tx: any StoreTransaction) async throws -> Staged {
        let thingIds = Set(readings.flatMap { [$0.sensorId, $0.deviceId] })
        var rules = try await tx.rules.watching(thingIds: Array(thingIds).sorted())
        guard !rules.isEmpty else { return Staged() }
        var staged = Staged()
        var changed = Set<Int>()
        let now = environment.clock.now()
        for reading in readings.sorted(by: { ($0.timestamp, $0.id) < ($1.timestamp, $1.id) }) {
            for index in rules.indices where rules[index].homeId == reading.homeId {
                let triggers = rules[index].definition.triggers
                let watching = triggers.indices.filter { triggers[$0].watches(reading) }
                guard !watching.isEmpty else { continue }
                changed.insert(index)
                for trigger in watching { rules[index].triggerStates[trigger] = triggers[trigger].holds(for: reading.value) }
                let holds = rules[index].definition.holds(rules[index].triggerStates)
                defer { rules[index].isActive = holds }
                guard holds, !rules[index].isActive || repeatIsDue(rules[index], at: now) else { continue }
                try await fire(&rules[index], by: reading, at: now, staged: &staged, in: tx)
            }
        }
        for index in changed.sorted() { try await tx.rules.updateState(rules[index]) }
        return staged
    }

    func committed(_ readings: [Reading], staged: Staged) {
        for (command, homeId) in staged.commands { ThingCommandUseCases.publish(command, homeId: homeId, bus: environment.bus) }
        if staged.enqueued { environment.outboxSignal() }
    }

    private func repeatIsDue(_ rule: Rule, at now: Date) -> Bool {
        guard let interval = rule.definition.repeatInterval, let last = rule.lastFired else { return false }
        return now.timeIntervalSince(last) >= TimeInterval(interval)
    }

    /// Runs the rule's actions and notifications, and logs what each became.
    private func fire(_ rule: inout Rule, by reading: Reading, at now: Date, staged: inout Staged, in tx: any StoreTransaction) async throws {
        var outcomes: [RuleLogEntry.Outcome] = []
        let things = Dictionary(
            try await tx.devices.get(ids: Array(Set(rule.definition.actions.map(\.thingId) + [reading.sensorId, reading.deviceId])))
                .map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        for action in rule.definition.actions {
            let target = "\(things[action.thingId]?.uuid.uuidString.lowercased() ?? String(action.thingId)):\(action.channel)"
            guard let thing = things[action.thingId], thing.homeId == rule.homeId else {
                outcomes.append(.init(kind: "command", target: target, status: "failed", detail: "the thing no longer exists"))
                continue
            }
            do {
                let command = try await ThingCommandUseCases.stage(
                    to: thing, channel: action.channel, value: action.value, at: now, environment: environment, in: tx)
                staged.commands.append((command, rule.homeId))
                outcomes.append(.init(kind: "command", target: target, status: "sent", detail: String(command.id)))
            } catch NimbusError.limitReached(let what, let limit) {
                outcomes.append(.init(kind: "command", target: target, status: "failed", detail: "\(limit) \(what) already"))
            } catch NimbusError.invalidInput(_, let reason) {
                outcomes.append(.init(kind: "command", target: target, status: "failed", detail: reason))
            }
        }
        let notifies = rule.lastNotified.map { now.timeIntervalSince($0) >= TimeInterval(environment.thingLimits.ruleNotificationInterval) } ?? true
        for notification in rule.definition.notifications {
            let kind = notification.method.rawValue
            guard notifies else {
                outcomes.append(.init(kind: kind, target: notification.recipient, status: "skipped", detail: "notified less than the interval ago"))
                continue
            }
            let body = notification.body ?? Self.defaultBody(rule: rule, reading: reading, thing: things[reading.deviceId])
            switch notification.method {
            case .email: try await tx.outbox.enqueue(EmailMessage(to: notification.recipient, subject: "Nimbus alert: \(rule.title)", body: body), at: now)
            case .sms: try await tx.outbox.enqueue(SMSMessage(to: notification.recipient, body: body), at: now)
            }
            staged.enqueued = true
            outcomes.append(.init(kind: kind, target: notification.recipient, status: "queued"))
        }
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

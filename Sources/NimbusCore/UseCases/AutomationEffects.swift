import Foundation

/// What a rule's firing and a job's run do, inside the transaction that records them: each action becomes a command
/// (`ThingCommandUseCases.stage`) and each notification and HTTP push an outbox item, and the outcome of each is told
/// for the log. Notifications and pushes are each bounded per account and minute (`ThingLimits`), counted in the
/// store's message log, so an account's rules and jobs cannot make the server mail, text or request without limit.
/// Once the transaction has committed, `published` hands the commands to their things and wakes the outbox.
struct AutomationEffects: Sendable {
    private(set) var commands: [(command: ThingCommand, homeId: Int)] = []
    private(set) var enqueued = false
    /// Rules whose state a pass changed (the offline check reports it).
    var changedRules = 0

    /// Stages the actions and, when `notify` (else each is logged as `skipped`), the notifications of an account's
    /// rule or job. A command that cannot be sent (its thing gone or deactivated, too many waiting) is logged as
    /// `failed` and the others go on.
    mutating func perform(
        actions: [RuleAction], notifications: [RuleNotification], pushes: [HTTPPush], notify: Bool, homeId: Int, subject: String,
        body: String, environment: CoreEnvironment, at now: Date, in tx: any StoreTransaction
    ) async throws -> [RuleLogEntry.Outcome] {
        var outcomes: [RuleLogEntry.Outcome] = []
        let things = Dictionary(try await tx.devices.get(ids: Array(Set(actions.map(\.thingId)))).map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        for action in actions {
            let target = "\(things[action.thingId]?.uuid.uuidString.lowercased() ?? String(action.thingId)):\(action.channel)"
            guard let thing = things[action.thingId], thing.homeId == homeId else {
                outcomes.append(.init(kind: "command", target: target, status: "failed", detail: "the thing no longer exists"))
                continue
            }
            do {
                let command = try await ThingCommandUseCases.stage(
                    to: thing, channel: action.channel, value: action.value, at: now, environment: environment, in: tx)
                commands.append((command, homeId))
                outcomes.append(.init(kind: "command", target: target, status: "sent", detail: String(command.id)))
            } catch NimbusError.limitReached(let what, let limit) {
                outcomes.append(.init(kind: "command", target: target, status: "failed", detail: "\(limit) \(what) already"))
            } catch NimbusError.invalidInput(_, let reason) {
                outcomes.append(.init(kind: "command", target: target, status: "failed", detail: reason))
            }
        }
        for notification in notifications {
            let kind = notification.method.rawValue
            guard notify else {
                outcomes.append(.init(kind: kind, target: notification.recipient, status: "skipped", detail: "notified less than the interval ago"))
                continue
            }
            guard try await Self.withinRate(
                "notify:\(homeId)", limit: environment.thingLimits.notificationsPerMinute, at: now, in: tx)
            else {
                outcomes.append(.init(kind: kind, target: notification.recipient, status: "skipped",
                                      detail: "more than \(environment.thingLimits.notificationsPerMinute) a minute"))
                continue
            }
            let text = notification.body ?? body
            switch notification.method {
            case .email: try await tx.outbox.enqueue(EmailMessage(to: notification.recipient, subject: subject, body: text), at: now)
            case .sms: try await tx.outbox.enqueue(SMSMessage(to: notification.recipient, body: text), at: now)
            }
            enqueued = true
            outcomes.append(.init(kind: kind, target: notification.recipient, status: "queued"))
        }
        for push in pushes {
            let limit = environment.thingLimits.httpPushesPerMinute
            guard try await Self.withinRate("http-push:\(homeId)", limit: limit, at: now, in: tx) else {
                outcomes.append(.init(kind: "http_push", target: push.url, status: "skipped", detail: "more than \(limit) a minute"))
                continue
            }
            try await tx.outbox.enqueue(HTTPPushDelivery(homeId: homeId, push: push), at: now)
            enqueued = true
            outcomes.append(.init(kind: "http_push", target: push.url, status: "queued"))
        }
        return outcomes
    }

    /// Whether `target` (an account's notifications or pushes) is under `limit` in the last minute, and if so counts one
    /// more; the message log outlives the outbox rows, which are deleted once sent.
    private static func withinRate(_ target: String, limit: Int, at now: Date, in tx: any StoreTransaction) async throws -> Bool {
        guard try await tx.outbox.messageCount(target: target, since: now - 60) < limit else { return false }
        try await tx.outbox.logMessage(target: target, at: now, forgettingBefore: now - 3_600)
        return true
    }

    /// After the commit: the commands to their things' connections, the outbox woken.
    func published(environment: CoreEnvironment) {
        for (command, homeId) in commands { ThingCommandUseCases.publish(command, homeId: homeId, bus: environment.bus) }
        if enqueued { environment.outboxSignal() }
    }
}

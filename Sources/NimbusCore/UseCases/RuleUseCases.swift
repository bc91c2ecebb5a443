import Foundation

/// Rules of a Cayenne account (`docs/automation.md`): a member with the `rules` permission makes, changes and deletes
/// them; a rule that notifies (an alert) also needs the same access to `alerts`. Other accounts never see them: a rule
/// of another account is not found. The things a rule names are things of its account, by their ids on the wire.
public struct RuleUseCases: Sendable {
    let environment: CoreEnvironment
    var store: any Store { environment.store }

    /// The most triggers, actions and notifications of one rule, and recipients' lengths: a rule is evaluated in the
    /// transaction of every reading it watches.
    public static let maximumParts = 16

    /// What a create or a partial update sets; `nil` leaves a field as it is (or at its default on create).
    public struct Draft: Sendable {
        public var title: String?
        public var enabled: Bool?
        public var triggers: [TriggerDraft]?
        public var combination: RuleDefinition.Combination?
        public var actions: [ActionDraft]?
        public var notifications: [RuleNotification]?
        public var httpPush: [HTTPPush]?
        /// `.some(nil)` removes the interval.
        public var repeatInterval: Int??

        public init() {}
    }

    public struct TriggerDraft: Sendable {
        public var thingId: UUID
        public var channel: String
        public var unit: String?
        public var conditions: [RuleCondition]

        public init(thingId: UUID, channel: String, unit: String?, conditions: [RuleCondition]) {
            self.thingId = thingId
            self.channel = channel
            self.unit = unit
            self.conditions = conditions
        }
    }

    public struct ActionDraft: Sendable {
        public var thingId: UUID
        public var channel: String
        public var value: String

        public init(thingId: UUID, channel: String, value: String) {
            self.thingId = thingId
            self.channel = channel
            self.value = value
        }
    }

    /// A rule with the wire ids of the things it names.
    public struct Described: Sendable {
        public var rule: Rule
        public var thingIds: [Int: UUID]
    }

    public func create(_ draft: Draft, accountId: Int?, by principal: Principal) async throws -> Described {
        let title = try Validation.requiredText(draft.title, "title")
        guard !(draft.triggers ?? []).isEmpty else { throw NimbusError.invalidInput(field: "triggers", reason: "at least one trigger") }
        let now = environment.clock.now()
        return try await store.write { tx in
            let (home, member) = try await AccessPolicy.account(accountId, of: principal, needs: (.rules, .addEdit), in: tx)
            if !(draft.notifications ?? []).isEmpty { try await AccessPolicy.require(.alerts, .addEdit, of: member, in: tx) }
            let limit = environment.thingLimits.rulesPerAccount
            guard try await tx.rules.count(homeId: home.id) < limit else { throw NimbusError.limitReached(what: "rules", limit: limit) }
            let (definition, things) = try await Self.definition(draft, base: RuleDefinition(triggers: []), in: home, tx: tx)
            let rule = Rule(
                id: Rule.newId(), projectId: home.projectId, homeId: home.id, title: title, enabled: draft.enabled ?? true,
                definition: definition, creationTime: now, updateTime: now)
            try await tx.rules.insert(rule)
            return Described(rule: rule, thingIds: things)
        }
    }

    /// The account's rules, oldest first.
    public func list(accountId: Int?, by principal: Principal) async throws -> [Described] {
        try await store.read { tx in
            let (home, _) = try await AccessPolicy.account(accountId, of: principal, needs: (.rules, .view), in: tx)
            let rules = try await tx.rules.list(homeId: home.id)
            let things = try await Self.wireIds(of: rules.flatMap(\.definition.thingIds), tx: tx)
            return rules.map { Described(rule: $0, thingIds: things) }
        }
    }

    public func get(_ id: String, accountId: Int?, by principal: Principal) async throws -> Described {
        try await store.read { tx in
            let (home, _) = try await AccessPolicy.account(accountId, of: principal, needs: (.rules, .view), in: tx)
            let rule = try await Self.rule(id, in: home, tx: tx)
            return Described(rule: rule, thingIds: try await Self.wireIds(of: rule.definition.thingIds, tx: tx))
        }
    }

    /// Changes what the draft sets. A rule whose triggers change starts again unarmed (no trigger has a reading yet).
    public func update(_ id: String, _ draft: Draft, accountId: Int?, by principal: Principal) async throws -> Described {
        let title = try draft.title.map { try Validation.requiredText($0, "title") }
        if let triggers = draft.triggers, triggers.isEmpty { throw NimbusError.invalidInput(field: "triggers", reason: "at least one trigger") }
        let now = environment.clock.now()
        return try await store.write { tx in
            let (home, member) = try await AccessPolicy.account(accountId, of: principal, needs: (.rules, .addEdit), in: tx)
            // Waits for an evaluation of the account's rules to commit (PostgreSQL), so that the state written back is current.
            _ = try await tx.rules.versions(homeIds: [home.id])
            var rule = try await Self.rule(id, in: home, tx: tx)
            if !rule.definition.notifications.isEmpty || !(draft.notifications ?? []).isEmpty {
                try await AccessPolicy.require(.alerts, .addEdit, of: member, in: tx)
            }
            let (definition, things) = try await Self.definition(draft, base: rule.definition, in: home, tx: tx)
            if draft.triggers != nil {
                rule.triggerStates = Array(repeating: nil, count: definition.triggers.count)
                rule.isActive = false
            }
            rule.definition = definition
            rule.title = title ?? rule.title
            rule.enabled = draft.enabled ?? rule.enabled
            rule.updateTime = now
            try await tx.rules.update(rule)
            return Described(rule: rule, thingIds: things)
        }
    }

    public func setEnabled(_ id: String, _ enabled: Bool, accountId: Int?, by principal: Principal) async throws -> Described {
        var draft = Draft()
        draft.enabled = enabled
        return try await update(id, draft, accountId: accountId, by: principal)
    }

    /// Deletes a rule and its log.
    public func delete(_ id: String, accountId: Int?, by principal: Principal) async throws {
        try await store.write { tx in
            let (home, member) = try await AccessPolicy.account(accountId, of: principal, needs: (.rules, .delete), in: tx)
            let rule = try await Self.rule(id, in: home, tx: tx)
            if !rule.definition.notifications.isEmpty { try await AccessPolicy.require(.alerts, .delete, of: member, in: tx) }
            try await tx.rules.delete(id: rule.id)
        }
    }

    /// A rule's firings, or the account's with `ruleId` nil; newest first.
    public func logs(
        ruleId: String?, from: Date?, to: Date?, limit: Int, accountId: Int?, by principal: Principal
    ) async throws -> (entries: [RuleLogEntry], thingIds: [Int: UUID]) {
        if let from, let to, from > to { throw NimbusError.invalidInput(field: "startDate", reason: "must not be after endDate") }
        return try await store.read { tx in
            let (home, _) = try await AccessPolicy.account(accountId, of: principal, needs: (.rules, .view), in: tx)
            if let ruleId { _ = try await Self.rule(ruleId, in: home, tx: tx) }
            let entries = try await tx.rules.logs(homeId: home.id, ruleId: ruleId, from: from, to: to, limit: min(max(limit, 1), 1000))
            return (entries, try await Self.wireIds(of: entries.map(\.thingId), tx: tx))
        }
    }

    // MARK: - Support

    static func rule(_ id: String, in home: Home, tx: any StoreTransaction) async throws -> Rule {
        guard let rule = try await tx.rules.get(id: id), rule.homeId == home.id else { throw NimbusError.notFound("rule") }
        return rule
    }

    static func wireIds(of thingIds: [Int], tx: any StoreTransaction) async throws -> [Int: UUID] {
        guard !thingIds.isEmpty else { return [:] }
        return Dictionary(try await tx.devices.get(ids: Array(Set(thingIds))).map { ($0.id, $0.uuid) }, uniquingKeysWith: { first, _ in first })
    }

    /// `base` with what the draft sets, its things resolved within the account and every part checked.
    private static func definition(
        _ draft: Draft, base: RuleDefinition, in home: Home, tx: any StoreTransaction
    ) async throws -> (RuleDefinition, [Int: UUID]) {
        var definition = base
        if let triggers = draft.triggers {
            guard triggers.count <= maximumParts else { throw NimbusError.invalidInput(field: "triggers", reason: "at most \(maximumParts)") }
            definition.triggers = []
            for trigger in triggers {
                let state = trigger.conditions.contains { $0.operator.isState }
                guard !state || trigger.conditions.allSatisfy(\.operator.isState) else {
                    throw NimbusError.invalidInput(field: "triggers.conditions", reason: "a state trigger has only online and offline conditions")
                }
                let channel = state ? "" : try Validation.text(trigger.channel, field: "triggers.channel", maxLength: 64)
                guard !trigger.conditions.isEmpty, trigger.conditions.count <= maximumParts else {
                    throw NimbusError.invalidInput(field: "triggers.conditions", reason: "1 to \(maximumParts) conditions")
                }
                for condition in trigger.conditions { try validate(condition) }
                let unit = try trigger.unit.map { try Validation.text($0, field: "triggers.unit", maxLength: 64, allowEmpty: true) }
                let watched = try await thing(trigger.thingId, field: "triggers.id", in: home, tx: tx)
                if !state { try await requireChannel(channel, of: watched, field: "triggers.channel", tx: tx) }
                definition.triggers.append(RuleTrigger(thingId: watched.id, channel: channel, unit: unit, conditions: trigger.conditions))
            }
        }
        if let actions = draft.actions { definition.actions = try await Self.actions(actions, in: home, tx: tx) }
        if let notifications = draft.notifications { definition.notifications = try Self.notifications(notifications) }
        if let pushes = draft.httpPush { definition.httpPush = try Self.pushes(pushes) }
        if let combination = draft.combination { definition.combination = combination }
        if let interval = draft.repeatInterval {
            if let interval, !(60...31_536_000).contains(interval) {
                throw NimbusError.invalidInput(field: "repeat_interval", reason: "seconds between 60 and a year")
            }
            definition.repeatInterval = interval
        }
        return (definition, try await wireIds(of: definition.thingIds, tx: tx))
    }

    /// Commands to things of the account, checked as `POST /things/{id}/cmd` checks them (shared with jobs).
    static func actions(_ drafts: [ActionDraft], in home: Home, tx: any StoreTransaction) async throws -> [RuleAction] {
        guard drafts.count <= maximumParts else { throw NimbusError.invalidInput(field: "actions", reason: "at most \(maximumParts)") }
        var actions: [RuleAction] = []
        for draft in drafts {
            let channel = try ThingCommandUseCases.validated(channel: draft.channel, value: draft.value)
            let thing = try await thing(draft.thingId, field: "actions.id", in: home, tx: tx)
            try await requireChannel(channel, of: thing, field: "actions.channel", tx: tx)
            actions.append(RuleAction(thingId: thing.id, channel: channel, value: draft.value))
        }
        return actions
    }

    /// A thing of the account that a trigger or an action names; any other id is invalid input naming `field`.
    private static func thing(_ id: UUID, field: String, in home: Home, tx: any StoreTransaction) async throws -> Device {
        guard let thing = try? await ThingUseCases.device(id, in: home, tx: tx) else {
            throw NimbusError.invalidInput(field: field, reason: "no such thing in this account")
        }
        return thing
    }

    /// Refuses a channel the thing does not have: a channel sensor's own, one of a device's channel sensors (made by its
    /// first reading), or one its thing type declares.
    static func requireChannel(_ channel: String, of thing: Device, field: String, tx: any StoreTransaction) async throws {
        if thing.parentId != nil {
            guard thing.channel == channel else { throw NimbusError.invalidInput(field: field, reason: "this sensor is channel \(thing.channel ?? "?")") }
            return
        }
        if try await tx.devices.children(of: [thing.id]).contains(where: { $0.channel == channel }) { return }
        if let typeId = UUID(uuidString: thing.deviceClass), try await tx.thingTypes.channels(typeId: typeId).contains(where: { $0.channel == channel }) {
            return
        }
        throw NimbusError.invalidInput(
            field: field, reason: "the thing has no channel \(channel) (a channel appears with its first reading, or on the thing's type)")
    }

    /// Notifications with their recipients checked and normalised (shared with jobs).
    static func notifications(_ notifications: [RuleNotification]) throws -> [RuleNotification] {
        guard notifications.count <= maximumParts else { throw NimbusError.invalidInput(field: "notifications", reason: "at most \(maximumParts)") }
        return try notifications.map(validated)
    }

    /// HTTP pushes checked (`HTTPPush.validated`), at most `maximumParts` (shared with jobs).
    static func pushes(_ pushes: [HTTPPush]) throws -> [HTTPPush] {
        guard pushes.count <= maximumParts else { throw NimbusError.invalidInput(field: "http_push", reason: "at most \(maximumParts)") }
        return try pushes.enumerated().map { index, push in try push.validated(field: "http_push[\(index)]") }
    }

    private static func validate(_ condition: RuleCondition) throws {
        if condition.operator == .offline {
            guard condition.values.count == 1, let minutes = Double(condition.values[0]), (0...10_080).contains(minutes) else {
                throw NimbusError.invalidInput(field: "triggers.conditions.value", reason: "offline takes minutes, 0 to 10080 (fractions allowed)")
            }
            return
        }
        if condition.operator == .online { return }
        if condition.operator.isGeofence {
            guard RuleCondition.circle(condition.values) != nil else {
                throw NimbusError.invalidInput(
                    field: "triggers.conditions.value", reason: "a geofence is latitude, longitude and radius in metres (\"52.37,4.89,500\")")
            }
            return
        }
        let expected: ClosedRange<Int> = switch condition.operator {
        case .in: 1...maximumParts
        case .between: 2...2
        default: 1...1
        }
        guard expected.contains(condition.values.count) else {
            throw NimbusError.invalidInput(field: "triggers.conditions.value", reason: "\(condition.operator.rawValue) takes \(expected.lowerBound == expected.upperBound ? "\(expected.lowerBound)" : "\(expected.lowerBound) to \(expected.upperBound)") value(s)")
        }
        for value in condition.values { _ = try Validation.text(value, field: "triggers.conditions.value", maxLength: 256) }
    }

    private static func validated(_ notification: RuleNotification) throws -> RuleNotification {
        var checked = notification
        do {
            switch notification.method {
            case .email: checked.recipient = try Validation.email(notification.recipient)
            case .sms: checked.recipient = try Validation.phoneNumber(notification.recipient)
            }
        } catch {
            let expected = notification.method == .email ? "an email address" : "a phone number in E.164 form (+ and 8 to 15 digits)"
            throw NimbusError.invalidInput(field: "notifications.value", reason: "must be \(expected)")
        }
        checked.body = try notification.body.map { try Validation.text($0, field: "notifications.body", maxLength: 1024, allowEmpty: true) }
        if checked.body?.isEmpty == true { checked.body = nil }
        return checked
    }
}

extension RuleDefinition {
    /// Every thing the rule names, its triggers' and its actions'.
    public var thingIds: [Int] { triggers.map(\.thingId) + actions.map(\.thingId) }
}

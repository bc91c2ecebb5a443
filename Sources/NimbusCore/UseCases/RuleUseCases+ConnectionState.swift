import Foundation

/// Connection-state triggers (`query_type: "state"`): `online` holds while a thing has a connection, `offline` once it
/// has had none for the trigger's minutes. A connect or disconnect is applied in the transaction that records it
/// (`DeviceConnectionTracker`); an `offline` trigger's minutes running out is found by `checkConnectionStates`, which
/// the server calls every second.
extension RuleUseCases {
    /// Applies a thing's new connection state to the rules watching it, in the transaction that records that state.
    static func connectionChanged(
        thingId: Int, connected: Bool, at now: Date, environment: CoreEnvironment, in tx: any StoreTransaction
    ) async throws -> AutomationEffects {
        let stored = try await tx.rules.watching(thingIds: [thingId]).filter { $0.definition.triggers.contains(where: \.isState) }
        return try await apply(stored, at: now, environment: environment, in: tx) { trigger in
            trigger.thingId == thingId ? (connected, now) : nil
        }
    }

    /// Fires the rules whose `offline` triggers' minutes have run out since the last check (or whose state is otherwise
    /// stale), reading the things' connection state from the store. - Returns: how many rules changed.
    @discardableResult
    public func checkConnectionStates() async throws -> Int {
        let now = environment.clock.now()
        // Read first: most seconds nothing changes, and a write transaction would flush the log for nothing.
        let due = try await store.read { tx in try await Self.stale(try await tx.rules.watchingState(locking: false), at: now, in: tx) }
        guard due else { return 0 }
        let (changed, effects) = try await store.write { tx in
            let stored = try await tx.rules.watchingState(locking: true)
            let things = try await Self.things(of: stored, in: tx)
            let effects = try await Self.apply(stored, at: now, environment: environment, in: tx) { trigger in
                things[trigger.thingId].map(Self.connection)
            }
            return (effects.changedRules, effects)
        }
        effects.published(environment: environment)
        return changed
    }

    /// Whether any state trigger of `rules` would now hold differently from what it last held.
    private static func stale(_ rules: [Rule], at now: Date, in tx: any StoreTransaction) async throws -> Bool {
        guard !rules.isEmpty else { return false }
        let things = try await things(of: rules, in: tx)
        return rules.contains { rule in !changes(of: rule, at: now) { things[$0.thingId].map(connection) }.updates.isEmpty }
    }

    /// A thing's connection state as state triggers read it: connected or not, and since when.
    private static func connection(of thing: Device) -> (connected: Bool, since: Date?) {
        (thing.isConnected, thing.isConnected ? thing.lastConnectTime : thing.lastDisconnectTime)
    }

    /// The state triggers of `rule` that hold now otherwise than they last did, given each one's thing's state from
    /// `state` (`nil`: unknown, left as it is), with the thing and connection of the first as the cause.
    private static func changes(
        of rule: Rule, at now: Date, state: (RuleTrigger) -> (connected: Bool, since: Date?)?
    ) -> (updates: [(trigger: Int, holds: Bool)], cause: RuleEvaluator.Cause?) {
        var updates: [(trigger: Int, holds: Bool)] = []
        var cause: RuleEvaluator.Cause?
        for (index, trigger) in rule.definition.triggers.enumerated() where trigger.isState {
            guard let (connected, since) = state(trigger) else { continue }
            let holds = trigger.holds(connected: connected, since: since, at: now)
            guard holds != rule.triggerStates[index] else { continue }
            updates.append((index, holds))
            cause = cause ?? .connection(thingId: trigger.thingId, connected: connected)
        }
        return (updates, cause)
    }

    private static func things(of rules: [Rule], in tx: any StoreTransaction) async throws -> [Int: Device] {
        let ids = Set(rules.flatMap { $0.definition.triggers.filter(\.isState).map(\.thingId) })
        return Dictionary(try await tx.devices.get(ids: Array(ids)).map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// Evaluates each rule's state triggers with the state `state` gives for their thing (`nil`: unknown, left as is),
    /// fires what turns true, and writes what changed.
    private static func apply(
        _ stored: [Rule], at now: Date, environment: CoreEnvironment, in tx: any StoreTransaction,
        state: (RuleTrigger) -> (connected: Bool, since: Date?)?
    ) async throws -> AutomationEffects {
        var staged = AutomationEffects()
        let evaluator = RuleEvaluator(environment: environment)
        var changed: [Int: [Rule]] = [:]
        for original in stored {
            var rule = original
            let (updates, cause) = changes(of: rule, at: now, state: state)
            guard let cause, try await evaluator.apply(updates, to: &rule, cause: cause, at: now, staged: &staged, in: tx) else { continue }
            changed[rule.homeId, default: []].append(rule)
        }
        for (homeId, rules) in changed.sorted(by: { $0.key < $1.key }) {
            _ = try await tx.rules.updateStates(of: homeId, rules)
            staged.changedRules += rules.count
        }
        return staged
    }
}

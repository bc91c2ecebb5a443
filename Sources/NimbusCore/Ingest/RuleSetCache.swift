import Synchronization

/// The enabled rules of one account as the store had them at `version`, with the rules that watch each thing.
struct RuleSet: Sendable {
    let homeId: Int
    var version: Int64
    /// Oldest first, the order they are evaluated in.
    var rules: [Rule]
    /// Positions in `rules` of the rules with a trigger on each thing (a device or a channel's sensor), in order.
    let byThing: [Int: [Int]]

    init(homeId: Int, version: Int64, rules: [Rule]) {
        self.homeId = homeId
        self.version = version
        self.rules = rules
        var byThing: [Int: [Int]] = [:]
        for (index, rule) in rules.enumerated() {
            for thingId in Set(rule.definition.triggers.map(\.thingId)) { byThing[thingId, default: []].append(index) }
        }
        self.byThing = byThing
    }

    /// Positions of the rules a reading of `sensorId` (a channel of `deviceId`) may concern, in order.
    func watching(sensorId: Int, deviceId: Int) -> [Int] {
        let ofSensor = byThing[sensorId] ?? []
        guard deviceId != sensorId, let ofDevice = byThing[deviceId] else { return ofSensor }
        return ofSensor.isEmpty ? ofDevice : Array(Set(ofSensor + ofDevice)).sorted()
    }
}

/// The rule sets of the accounts whose readings arrive, kept between batches so that a batch reads one version per
/// account instead of every rule its things have (`RuleObserver`). A set is used only while the store still has its
/// version: any other change of the account's rules (an edit, a connection-state firing, another server on the same
/// database, a transaction rolled back after the set was put back) gave them a new version, and the next batch reads
/// them again.
///
/// A set is taken out while a batch evaluates it and put back with the version the batch wrote, so a batch that fails
/// halfway leaves nothing behind. At most `capacity` rules are kept (a copy of stored rules, one read away): putting
/// back a set that does not fit forgets the others first.
final class RuleSetCache: Sendable {
    private struct State {
        var sets: [Int: RuleSet] = [:]
        var rules = 0
    }

    private let state = Mutex(State())
    let capacity: Int

    init(capacity: Int = 100_000) {
        self.capacity = capacity
    }

    /// The account's set if it is still at `version`; either way it is no longer kept.
    func take(homeId: Int, version: Int64) -> RuleSet? {
        state.withLock { state in
            guard let set = state.sets.removeValue(forKey: homeId) else { return nil }
            state.rules -= set.rules.count
            return set.version == version ? set : nil
        }
    }

    func put(_ set: RuleSet) {
        guard set.rules.count <= capacity else { return }
        state.withLock { state in
            if let replaced = state.sets.removeValue(forKey: set.homeId) { state.rules -= replaced.rules.count }
            if state.rules + set.rules.count > capacity {
                state.sets.removeAll()
                state.rules = 0
            }
            state.sets[set.homeId] = set
            state.rules += set.rules.count
        }
    }

    /// How many rules are kept (for tests).
    var count: Int { state.withLock { $0.rules } }
}

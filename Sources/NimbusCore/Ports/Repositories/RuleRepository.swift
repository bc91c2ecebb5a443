import Foundation

/// Rules of Cayenne accounts, the things they watch, and their firings.
public protocol RuleRepository: Sendable {
    func insert(_ rule: Rule) async throws
    /// Replaces a rule's title, definition, state and counts (and the things it watches).
    func update(_ rule: Rule) async throws
    /// Saves what evaluation changes: whether it holds, its triggers' states, its run count and last firing.
    func updateState(_ rule: Rule) async throws
    func delete(id: String) async throws
    func get(id: String) async throws -> Rule?
    /// An account's rules, oldest first.
    func list(homeId: Int) async throws -> [Rule]
    func count(homeId: Int) async throws -> Int
    /// The enabled rules with a trigger on one of these things (devices or channel sensors), locked until the write
    /// transaction that evaluates them ends.
    func watching(thingIds: [Int]) async throws -> [Rule]
    /// The enabled rules with a connection-state trigger, `locking` them in a write transaction.
    func watchingState(locking: Bool) async throws -> [Rule]

    /// Records a firing; `entry.id` is ignored. Forgets the rule's firings but the `keep` most recent.
    func appendLog(_ entry: RuleLogEntry, keep: Int) async throws -> RuleLogEntry
    /// A rule's firings (or an account's, with `ruleId` nil), newest first, at most `limit`, in `from...to`.
    func logs(homeId: Int, ruleId: String?, from: Date?, to: Date?, limit: Int) async throws -> [RuleLogEntry]

    /// The rule templates of a thing type for an app, as JSON text (`nil`: none defined).
    func templates(projectId: Int, thingTypeId: String, appId: String) async throws -> String?
    /// Defines them (`json` nil: removes them).
    func setTemplates(projectId: Int, thingTypeId: String, appId: String, json: String?, at time: Date) async throws
}

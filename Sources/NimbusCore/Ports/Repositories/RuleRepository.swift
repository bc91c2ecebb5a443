import Foundation

/// Rules of Cayenne accounts, the things they watch, and their firings.
public protocol RuleRepository: Sendable {
    // Every change of an account's rules (insert, update, delete, new states) gives its rules a new version.

    func insert(_ rule: Rule) async throws
    /// Replaces a rule's title, definition, state and counts (and the things it watches).
    func update(_ rule: Rule) async throws
    /// Saves what evaluation changed in these rules of one account (whether each holds, its triggers' states, its run
    /// count and last firing). - Returns: the account's new rule version.
    func updateStates(of homeId: Int, _ rules: [Rule]) async throws -> Int64
    func delete(id: String) async throws
    func get(id: String) async throws -> Rule?
    /// An account's rules, oldest first.
    func list(homeId: Int) async throws -> [Rule]
    func count(homeId: Int) async throws -> Int
    /// The version of the rules of each of these accounts that has any (rules, enabled or not, or had some), locking
    /// them until the write transaction ends: on PostgreSQL this row is the account's rule lock, taken before any of
    /// its rules is read for evaluation or changed, so that two servers take turns (SQLite has one writer).
    func versions(homeIds: [Int]) async throws -> [Int: Int64]
    /// An account's enabled rules, oldest first (what `RuleSetCache` keeps of it).
    func enabled(homeId: Int) async throws -> [Rule]
    /// The enabled rules with a trigger on one of these things (devices or channel sensors), their accounts' rules
    /// locked until the write transaction that evaluates them ends.
    func watching(thingIds: [Int]) async throws -> [Rule]
    /// The enabled rules with a connection-state trigger, `locking` their accounts' rules in a write transaction.
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

import Foundation
import NimbusCore
import SQLKit

/// Rules with their definition, trigger states and outcomes as JSON text (read and written whole, never queried
/// into), the things each rule watches in `rule_triggers`, and each account's rule version in `rule_sets`: a random
/// number that every change replaces, so that a version seen once is never seen again after other changes, even a
/// rolled-back one's (a counter would come back to a number whose rules had been different).
struct SQLRuleRepository: RuleRepository {
    let db: any SQLDatabase
    let backend: SQLBackend
    /// Every batch of readings reads the rules watching its things: their definitions and states decoded once per text.
    private static let definitions = JSONTextCache<RuleDefinition>()
    private static let states = JSONTextCache<[Bool?]>(limit: 4_096)

    func insert(_ rule: Rule) async throws {
        try await touch(homeId: rule.homeId)
        try await db.raw("""
            INSERT INTO rules (id, project_id, home_id, title, enabled, definition, watches_state, is_active, trigger_states, run_count,
                last_fired, last_notified, creation_time, update_time)
            VALUES (\(bind: rule.id), \(bind: rule.projectId), \(bind: rule.homeId), \(bind: rule.title), \(bind: rule.enabled),
                \(bind: try JSONText.encode(rule.definition)),
                \(bind: rule.definition.triggers.contains(where: \.isState)), \(bind: rule.isActive), \(bind: try JSONText.encode(rule.triggerStates)), \(bind: rule.runCount),
                \(bind: rule.lastFired), \(bind: rule.lastNotified), \(bind: rule.creationTime), \(bind: rule.updateTime))
            """).run()
        try await insertTriggers(of: rule)
    }

    func update(_ rule: Rule) async throws {
        try await touch(homeId: rule.homeId)
        try await db.raw("""
            UPDATE rules SET title = \(bind: rule.title), enabled = \(bind: rule.enabled), definition = \(bind: try JSONText.encode(rule.definition)),
                watches_state = \(bind: rule.definition.triggers.contains(where: \.isState)), update_time = \(bind: rule.updateTime)
            WHERE id = \(bind: rule.id)
            """).run()
        try await writeState(rule)
        try await db.raw("DELETE FROM rule_triggers WHERE rule_id = \(bind: rule.id)").run()
        try await insertTriggers(of: rule)
    }

    func updateStates(of homeId: Int, _ rules: [Rule]) async throws -> Int64 {
        let version = try await touch(homeId: homeId)
        for rule in rules {
            precondition(rule.homeId == homeId, "rules of one account")
            try await writeState(rule)
        }
        return version
    }

    private func writeState(_ rule: Rule) async throws {
        try await db.raw("""
            UPDATE rules SET is_active = \(bind: rule.isActive), trigger_states = \(bind: try JSONText.encode(rule.triggerStates)),
                run_count = \(bind: rule.runCount), last_fired = \(bind: rule.lastFired), last_notified = \(bind: rule.lastNotified)
            WHERE id = \(bind: rule.id)
            """).run()
    }

    private func insertTriggers(of rule: Rule) async throws {
        let things = Array(Set(rule.definition.triggers.map(\.thingId))).sorted()
        guard !things.isEmpty else { return }
        try await db.raw(SQLQueryString.rows("INSERT INTO rule_triggers (rule_id, thing_id) VALUES ", things) { thing in
            "(\(bind: rule.id), \(bind: thing))"
        }).run()
    }

    func delete(id: String) async throws {
        try await db.raw("UPDATE rule_sets SET version = \(bind: Self.newVersion()) WHERE home_id = (SELECT home_id FROM rules WHERE id = \(bind: id))").run()
        try await db.raw("DELETE FROM rules WHERE id = \(bind: id)").run()
    }

    /// Gives the account's rules a new version (the first gets its row). - Returns: the version.
    @discardableResult
    private func touch(homeId: Int) async throws -> Int64 {
        let version = Self.newVersion()
        try await db.raw("""
            INSERT INTO rule_sets (home_id, version) VALUES (\(bind: homeId), \(bind: version))
            ON CONFLICT (home_id) DO UPDATE SET version = excluded.version
            """).run()
        return version
    }

    private static func newVersion() -> Int64 { Int64.random(in: 1...Int64.max) }

    func get(id: String) async throws -> Rule? {
        try await db.raw("SELECT * FROM rules WHERE id = \(bind: id)").first().map(Self.rule)
    }

    func list(homeId: Int) async throws -> [Rule] {
        try await db.raw("SELECT * FROM rules WHERE home_id = \(bind: homeId) ORDER BY creation_time, id").all().map(Self.rule)
    }

    func count(homeId: Int) async throws -> Int {
        try await db.raw("SELECT COUNT(*) AS n FROM rules WHERE home_id = \(bind: homeId)").first()?.column("n") ?? 0
    }

    func versions(homeIds: [Int]) async throws -> [Int: Int64] {
        guard !homeIds.isEmpty else { return [:] }
        let rows = try await db.raw("""
            SELECT home_id, version FROM rule_sets WHERE home_id IN (\(binds: homeIds.sorted())) ORDER BY home_id
            """ + locked).all()
        return Dictionary(uniqueKeysWithValues: try rows.map { (try $0.column("home_id"), try $0.column("version")) })
    }

    func enabled(homeId: Int) async throws -> [Rule] {
        try await db.raw("SELECT * FROM rules WHERE home_id = \(bind: homeId) AND enabled = \(bind: true) ORDER BY creation_time, id")
            .all().map(Self.rule)
    }

    func watching(thingIds: [Int]) async throws -> [Rule] {
        guard !thingIds.isEmpty else { return [] }
        let watching: SQLQueryString = """
            enabled = \(bind: true) AND id IN (SELECT rule_id FROM rule_triggers WHERE thing_id IN (\(binds: thingIds)))
            """
        try await lockAccounts(ofRulesWhere: watching)
        return try await db.raw("SELECT * FROM rules WHERE " + watching + " ORDER BY creation_time, id").all().map(Self.rule)
    }

    func watchingState(locking: Bool) async throws -> [Rule] {
        let watching: SQLQueryString = "watches_state = \(bind: true) AND enabled = \(bind: true)"
        if locking { try await lockAccounts(ofRulesWhere: watching) }
        return try await db.raw("SELECT * FROM rules WHERE " + watching + " ORDER BY creation_time, id").all().map(Self.rule)
    }

    /// Takes the rule locks of the accounts of the rules `condition` selects, in the order `versions` takes them.
    private func lockAccounts(ofRulesWhere condition: SQLQueryString) async throws {
        guard backend == .postgres else { return }
        try await db.raw("SELECT home_id FROM rule_sets WHERE home_id IN (SELECT home_id FROM rules WHERE " + condition + ") ORDER BY home_id" + locked)
            .run()
    }

    /// Locks the rows read until the transaction ends, so that two servers on one PostgreSQL database evaluating the
    /// same account's rules take turns and the second sees the first's new state (SQLite has one writer).
    private var locked: SQLQueryString { backend == .postgres ? " FOR UPDATE" : "" }

    func appendLog(_ entry: RuleLogEntry, keep: Int) async throws -> RuleLogEntry {
        var stored = entry
        stored.id = try await db.insertReturningId("""
            INSERT INTO rule_logs (rule_id, home_id, time, reading_id, thing_id, channel, value_json, outcomes)
            VALUES (\(bind: entry.ruleId), \(bind: entry.homeId), \(bind: entry.time), \(bind: entry.readingId), \(bind: entry.thingId),
                \(bind: entry.channel), \(bind: entry.value.jsonValue.jsonText), \(bind: try JSONText.encode(entry.outcomes)))
            """)
        try await db.keepNewest(keep, in: "rule_logs", where: "rule_id", is: entry.ruleId)
        return stored
    }

    func logs(homeId: Int, ruleId: String?, from: Date?, to: Date?, limit: Int) async throws -> [RuleLogEntry] {
        var query: SQLQueryString = "SELECT * FROM rule_logs WHERE home_id = \(bind: homeId)"
        if let ruleId { query = query + " AND rule_id = \(bind: ruleId)" }
        if let from { query = query + " AND time >= \(bind: from)" }
        if let to { query = query + " AND time <= \(bind: to)" }
        return try await db.raw(query + " ORDER BY id DESC LIMIT \(bind: limit)").all().map(Self.entry)
    }

    func templates(projectId: Int, thingTypeId: String, appId: String) async throws -> String? {
        try await db.raw("""
            SELECT templates FROM rule_templates WHERE project_id = \(bind: projectId) AND thing_type_id = \(bind: thingTypeId) AND app_id = \(bind: appId)
            """).first()?.column("templates")
    }

    func setTemplates(projectId: Int, thingTypeId: String, appId: String, json: String?, at time: Date) async throws {
        try await db.raw("""
            DELETE FROM rule_templates WHERE project_id = \(bind: projectId) AND thing_type_id = \(bind: thingTypeId) AND app_id = \(bind: appId)
            """).run()
        guard let json else { return }
        try await db.raw("""
            INSERT INTO rule_templates (project_id, thing_type_id, app_id, templates, update_time)
            VALUES (\(bind: projectId), \(bind: thingTypeId), \(bind: appId), \(bind: json), \(bind: time))
            """).run()
    }

    // MARK: - Rows

    static func rule(_ row: any SQLRow) throws -> Rule {
        Rule(
            id: try row.column("id"), projectId: try row.column("project_id"), homeId: try row.column("home_id"), title: try row.column("title"),
            enabled: try row.column("enabled"), definition: try definitions.decode(try row.column("definition")),
            isActive: try row.column("is_active"), triggerStates: try states.decode(try row.column("trigger_states")),
            runCount: try row.column("run_count"), lastFired: try row.column("last_fired"), lastNotified: try row.column("last_notified"),
            creationTime: try row.column("creation_time"),
            updateTime: try row.column("update_time"))
    }

    static func entry(_ row: any SQLRow) throws -> RuleLogEntry {
        guard let json = JSONValue(jsonText: try row.column("value_json", as: String.self)), let value = ReadingValue(jsonValue: json) else {
            throw StoreError.unexpectedRow("rule log value")
        }
        return RuleLogEntry(
            id: try row.column("id"), ruleId: try row.column("rule_id"), homeId: try row.column("home_id"), time: try row.column("time"),
            readingId: try row.column("reading_id"), thingId: try row.column("thing_id"), channel: try row.column("channel"), value: value,
            outcomes: try JSONText.decode(try row.column("outcomes"), as: [RuleLogEntry.Outcome].self))
    }
}

import Foundation
import Hummingbird
import NimbusCore
import NimbusHTTP

/// Rules and alerts: the seed's `/v1.1/rules` and the executor's `/v1.0/rules…` that the sample app and the
/// Cayenne JavaScript client call (`cayenne-clients.md` §5), one rule store behind both.
struct CayenneRulesController {
    let rules: RuleUseCases

    func addRoutes(platform: RouterGroup<NimbusRequestContext>, executor: RouterGroup<NimbusRequestContext>) {
        for group in [platform, executor] {
            group.get("rules", use: list)
            group.post("rules", use: create)
            group.get("rules/:ruleId", use: get)
            group.put("rules/:ruleId", use: update)
            group.delete("rules/:ruleId", use: delete)
        }
        executor.put("rules/:ruleId/enable") { try await setEnabled($0, $1, true) }
        executor.put("rules/:ruleId/disable") { try await setEnabled($0, $1, false) }
        executor.get("rules/:ruleId/logs", use: logs)
        executor.get("rule-logs", use: logs)
        executor.get("applicationRule/:typeId/:appId", use: templates)
    }

    /// The rule templates an administrator defined for a thing type and an app: a bare array, empty when none.
    func templates(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let templates = try await rules.templates(
            thingTypeId: context.parameters.get("typeId") ?? "", appId: context.parameters.get("appId") ?? "", by: context.principal)
        return CayenneResponse.json(templates)
    }

    /// A bare array of the account's rules, oldest first; `enabled=true|false` and `thing_id` filter it.
    func list(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        var listed = try await rules.list(accountId: try CayenneThingWire.accountId(request), by: context.principal)
        if let enabled = request.uri.queryParameters.get("enabled") {
            guard let flag = Bool(enabled) else { throw NimbusError.invalidInput(field: "enabled", reason: "must be true or false") }
            listed.removeAll { $0.rule.enabled != flag }
        }
        if let thing = request.uri.queryParameters.get("thing_id") {
            guard let thingId = UUID(uuidString: thing) else { throw NimbusError.invalidInput(field: "thing_id", reason: "must be a UUID") }
            listed.removeAll { described in !described.rule.definition.thingIds.contains { described.thingIds[$0] == thingId } }
        }
        return CayenneResponse.json(.array(listed.map(CayenneRuleWire.rule)))
    }

    /// `{"id": …}`, as the seed answers.
    func create(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let body = try await JSONBody.decode(CayenneRuleWire.Body.self, from: request, context: context)
        let created = try await rules.create(try CayenneRuleWire.draft(body), accountId: try CayenneThingWire.accountId(request), by: context.principal)
        return CayenneResponse.json(["id": .string(created.rule.id)], status: .created)
    }

    func get(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let described = try await rules.get(try Self.ruleId(context), accountId: try CayenneThingWire.accountId(request), by: context.principal)
        return CayenneResponse.json(CayenneRuleWire.rule(described))
    }

    /// A partial update; `{"success": true}`, as the seed answers.
    func update(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let body = try await JSONBody.decode(CayenneRuleWire.Body.self, from: request, context: context)
        _ = try await rules.update(
            try Self.ruleId(context), try CayenneRuleWire.draft(body), accountId: try CayenneThingWire.accountId(request), by: context.principal)
        return CayenneResponse.json(["success": .bool(true)])
    }

    func delete(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        try await rules.delete(try Self.ruleId(context), accountId: try CayenneThingWire.accountId(request), by: context.principal)
        return CayenneResponse.json(["success": .bool(true)])
    }

    func setEnabled(_ request: Request, _ context: NimbusRequestContext, _ enabled: Bool) async throws -> Response {
        let described = try await rules.setEnabled(
            try Self.ruleId(context), enabled, accountId: try CayenneThingWire.accountId(request), by: context.principal)
        return CayenneResponse.json(CayenneRuleWire.rule(described))
    }

    /// A rule's firings (`rules/{id}/logs`) or the account's (`rule-logs`), newest first: `startDate` and `endDate`
    /// in epoch milliseconds, `limit` up to 1,000 (default 100).
    func logs(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let query = request.uri.queryParameters
        func date(_ name: String) throws -> Date? {
            guard let raw = query.get(name) else { return nil }
            guard let millis = Double(raw), millis.isFinite, millis >= 0 else { throw NimbusError.invalidInput(field: name, reason: "must be epoch milliseconds") }
            return Date(timeIntervalSince1970: millis / 1000)
        }
        let ruleId = context.parameters.get("ruleId")
        let (entries, thingIds) = try await rules.logs(
            ruleId: ruleId, from: try date("startDate"), to: try date("endDate"), limit: try CayenneWire.limit(request),
            accountId: try CayenneThingWire.accountId(request), by: context.principal)
        return CayenneResponse.json(.array(entries.map { CayenneRuleWire.log($0, thingIds: thingIds) }))
    }

    static func ruleId(_ context: NimbusRequestContext) throws -> String {
        guard let id = context.parameters.get("ruleId"), id.count == 24, id.allSatisfy(\.isHexDigit) else { throw NimbusError.notFound("rule") }
        return id.lowercased()
    }
}

import Foundation
import NimbusCore
import NimbusHTTP

/// Rules and their logs on the wire (`cayenne-clients.md` §5): the seed's shape (`conditions: [{operator, value}]`),
/// the older one (`operator` and `values` on the trigger, uppercase operators, `triggers_condition`), and the executor
/// clients' (`_id` on every object) are all read; answers carry both `id` and `_id`.
enum CayenneRuleWire {
    /// A rule as the clients send it; every field optional, so that a partial update reads the same way.
    struct Body: Decodable {
        var title: String?
        var enabled: Bool?
        var triggers: [Trigger]?
        var triggers_condition: String?
        var actions: [Action]?
        var notifications: [Notification]?
        var http_push: [JSONValue]?
        /// Seconds between firings while the condition stays true; 0 removes the interval.
        var repeat_interval: Int?
    }

    struct Trigger: Decodable {
        var id: String
        /// Required but for a connection-state trigger (`query_type: "state"`).
        var channel: Text?
        var unit: String?
        var geofence: Bool?
        var query_type: String?
        var conditions: [Condition]?
        /// The older format's single condition on the trigger itself.
        var `operator`: String?
        var value: Text?
        var values: [Text]?
    }

    struct Condition: Decodable {
        var `operator`: String
        var value: Text?
        var values: [Text]?
    }

    struct Action: Decodable {
        var id: String?
        var thing_id: String?
        var channel: Text
        var value: Text
    }

    struct Notification: Decodable {
        var method: String
        var value: String
        var body: String?
    }

    /// A string or a number, as clients send channels and values.
    struct Text: Decodable {
        var text: String

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let text = try? container.decode(String.self) {
                self.text = text
            } else if let number = try? container.decode(Double.self) {
                self.text = JSONValue.exactInteger(number).map(String.init) ?? String(number)
            } else if let flag = try? container.decode(Bool.self) {
                self.text = flag ? "1" : "0"
            } else {
                throw DecodingError.typeMismatch(String.self, .init(codingPath: decoder.codingPath, debugDescription: "a string or a number"))
            }
        }
    }

    // MARK: - Reading

    static func draft(_ body: Body) throws -> RuleUseCases.Draft {
        var draft = RuleUseCases.Draft()
        draft.title = body.title
        draft.enabled = body.enabled
        draft.httpPush = try body.http_push.map(pushes)
        if let combination = body.triggers_condition {
            guard let value = RuleDefinition.Combination(rawValue: combination.uppercased()) else {
                throw NimbusError.invalidInput(field: "triggers_condition", reason: "must be AND or OR")
            }
            draft.combination = value
        }
        draft.triggers = try body.triggers.map { try $0.enumerated().map(trigger) }
        draft.actions = try body.actions.map { try $0.enumerated().map(action) }
        draft.notifications = try body.notifications.map { try $0.enumerated().map(notification) }
        if let interval = body.repeat_interval { draft.repeatInterval = .some(interval == 0 ? nil : interval) }
        return draft
    }

    private static func trigger(_ index: Int, _ trigger: Trigger) throws -> RuleUseCases.TriggerDraft {
        let field = "triggers[\(index)]"
        let isState: Bool
        switch trigger.query_type?.lowercased() {
        case nil, "value"?: isState = false
        case "state"?: isState = true
        default: throw NimbusError.invalidInput(field: "\(field).query_type", reason: "must be value or state")
        }
        var conditions = try (trigger.conditions ?? []).enumerated().map { offset, condition in
            try self.condition(condition.operator, value: condition.value, values: condition.values, field: "\(field).conditions[\(offset)]",
                               state: isState)
        }
        if let name = trigger.operator {
            conditions.append(try condition(name, value: trigger.value, values: trigger.values, field: field, state: isState))
        }
        guard !conditions.isEmpty else { throw NimbusError.invalidInput(field: "\(field).conditions", reason: "required") }
        // `geofence: true` takes the geofence's conditions only, and they need no flag.
        if trigger.geofence == true, !conditions.allSatisfy(\.operator.isGeofence) {
            throw NimbusError.invalidInput(field: "\(field).conditions", reason: "a geofence trigger's operators are inside and outside (enter, leave)")
        }
        guard isState || trigger.channel != nil else { throw NimbusError.invalidInput(field: "\(field).channel", reason: "required") }
        return RuleUseCases.TriggerDraft(
            thingId: try uuid(trigger.id, field: "\(field).id"), channel: isState ? "" : trigger.channel?.text ?? "", unit: trigger.unit,
            conditions: conditions)
    }

    /// A condition; in a state trigger `offline` (value: minutes, default 0) and `online`, also written `eq offline`.
    private static func condition(_ name: String, value: Text?, values: [Text]?, field: String, state: Bool) throws -> RuleCondition {
        if state {
            let operatorName = name.lowercased() == "eq" ? value?.text.lowercased() ?? "" : name.lowercased()
            switch operatorName {
            case "online": return RuleCondition(operator: .online, values: [])
            case "offline": return RuleCondition(operator: .offline, values: [name.lowercased() == "eq" ? "0" : value?.text ?? "0"])
            default: throw NimbusError.invalidInput(field: "\(field).operator", reason: "a state trigger is online, or offline with minutes as value")
            }
        }
        let aliases = ["enter": "inside", "leave": "outside"]
        guard let op = RuleCondition.Operator(rawValue: aliases[name.lowercased()] ?? name.lowercased()), !op.isState else {
            let names = RuleCondition.Operator.allCases.map(\.rawValue).joined(separator: ", ")
            throw NimbusError.invalidInput(field: "\(field).operator", reason: "must be one of \(names) (any case)")
        }
        var texts = (values ?? []).map(\.text) + (value.map { [$0.text] } ?? [])
        guard !texts.isEmpty else { throw NimbusError.invalidInput(field: "\(field).value", reason: "required") }
        // A geofence written as one value: "latitude,longitude,radius".
        if op.isGeofence, texts.count == 1 { texts = texts[0].split(separator: ",").map(String.init) }
        return RuleCondition(operator: op, values: texts)
    }

    private static func action(_ index: Int, _ action: Action) throws -> RuleUseCases.ActionDraft {
        let field = "actions[\(index)]"
        guard let id = action.id ?? action.thing_id else { throw NimbusError.invalidInput(field: "\(field).id", reason: "required") }
        return RuleUseCases.ActionDraft(thingId: try uuid(id, field: "\(field).id"), channel: action.channel.text, value: action.value.text)
    }

    private static func notification(_ index: Int, _ notification: Notification) throws -> RuleNotification {
        try self.notification(index, method: notification.method, value: notification.value, body: notification.body)
    }

    /// A notification of a rule or a job, `index` naming it in an error.
    static func notification(_ index: Int, method: String?, value: String?, body: String?) throws -> RuleNotification {
        guard let raw = method, let method = RuleNotification.Method(rawValue: raw.lowercased()) else {
            throw NimbusError.invalidInput(field: "notifications[\(index)].method", reason: "must be email or sms")
        }
        guard let value else { throw NimbusError.invalidInput(field: "notifications[\(index)].value", reason: "required") }
        return RuleNotification(method: method, recipient: value, body: body)
    }

    /// The `http_push` of a rule or a job: `{url, method (default POST), headers, payload}` each.
    static func pushes(_ values: [JSONValue]) throws -> [HTTPPush] {
        try values.enumerated().map { index, value in
            let field = "http_push[\(index)]"
            guard case .object(let object) = value else { throw NimbusError.invalidInput(field: field, reason: "must be an object") }
            guard case .string(let url)? = object["url"] else { throw NimbusError.invalidInput(field: "\(field).url", reason: "required") }
            var method = "POST"
            switch object["method"] ?? object["Method"] {
            case nil, .null?: break
            case .string(let text)?: method = text
            default: throw NimbusError.invalidInput(field: "\(field).method", reason: "must be a string")
            }
            var headers: [String: String] = [:]
            switch object["headers"] {
            case nil, .null?: break
            case .object(let fields)?:
                for (name, value) in fields {
                    guard case .string(let text) = value else { throw NimbusError.invalidInput(field: "\(field).headers", reason: "values must be strings") }
                    headers[name] = text
                }
            default: throw NimbusError.invalidInput(field: "\(field).headers", reason: "must be an object")
            }
            let payload = object["payload"].flatMap { $0 == .null ? nil : $0 }
            return HTTPPush(url: url, method: method, headers: headers, payload: payload)
        }
    }

    static func pushes(_ pushes: [HTTPPush], owner: String) -> JSONValue {
        .array(pushes.enumerated().map { index, push in
            .object([
                "_id": .string("\(owner)-h\(index)"), "url": .string(push.url), "method": .string(push.method),
                "headers": .object(push.headers.mapValues(JSONValue.string)), "payload": push.payload ?? .null,
            ])
        })
    }

    /// A thing id of the body, `field` naming it in an error.
    static func uuid(_ text: String, field: String) throws -> UUID {
        guard let id = UUID(uuidString: text) else { throw NimbusError.invalidInput(field: field, reason: "must be a thing id (a UUID)") }
        return id
    }

    // MARK: - Writing

    static func rule(_ described: RuleUseCases.Described) -> JSONValue {
        let rule = described.rule
        let thing = { (id: Int) in described.thingIds[id].map { JSONValue.string($0.lowercaseString) } ?? .null }
        let triggers: [JSONValue] = rule.definition.triggers.enumerated().map { index, trigger in
            .object([
                "_id": .string("\(rule.id)-t\(index)"), "id": thing(trigger.thingId), "channel": trigger.isState ? .null : JSONValue.channel(trigger.channel),
                "unit": trigger.unit.map(JSONValue.string) ?? .null, "geofence": .bool(trigger.conditions.contains { $0.operator.isGeofence }),
                "query_type": .string(trigger.isState ? "state" : "value"),
                "conditions": .array(trigger.conditions.map { condition in
                    var object: [String: JSONValue] = ["operator": .string(condition.operator.rawValue)]
                    if condition.values.count == 1 { object["value"] = .string(condition.values[0]) }
                    else { object["values"] = .array(condition.values.map(JSONValue.string)) }
                    return .object(object)
                }),
                "state": rule.triggerStates.indices.contains(index) ? rule.triggerStates[index].map(JSONValue.bool) ?? .null : .null,
            ])
        }
        let actions: [JSONValue] = rule.definition.actions.enumerated().map { index, action in
            .object([
                "_id": .string("\(rule.id)-a\(index)"), "id": thing(action.thingId), "channel": JSONValue.channel(action.channel),
                "unit": .string("std"), "value": .string(action.value),
            ])
        }
        let notifications: [JSONValue] = rule.definition.notifications.enumerated().map { index, notification in
            .object([
                "_id": .string("\(rule.id)-n\(index)"), "method": .string(notification.method.rawValue), "value": .string(notification.recipient),
                "body": notification.body.map(JSONValue.string) ?? .null,
            ])
        }
        return .object([
            "id": .string(rule.id), "_id": .string(rule.id), "title": .string(rule.title), "account_id": .number(Double(rule.homeId)),
            "enabled": .bool(rule.enabled), "triggers_condition": .string(rule.definition.combination.rawValue),
            "triggers": .array(triggers), "actions": .array(actions), "notifications": .array(notifications), "http_push": pushes(rule.definition.httpPush, owner: rule.id),
            "repeat_interval": rule.definition.repeatInterval.map { .number(Double($0)) } ?? .null,
            "active": .bool(rule.isActive), "run_count": .number(Double(rule.runCount)), "last_fired": CayenneWire.time(rule.lastFired),
            "created_at": CayenneWire.time(rule.creationTime), "updated_at": CayenneWire.time(rule.updateTime),
        ])
    }

    static func log(_ entry: RuleLogEntry, thingIds: [Int: UUID]) -> JSONValue {
        .object([
            "id": .string(String(entry.id)), "_id": .string(String(entry.id)), "rule_id": .string(entry.ruleId),
            "created_at": CayenneWire.time(entry.time), "type": .string("fired"),
            "trigger": .object([
                "id": thingIds[entry.thingId].map { .string($0.lowercaseString) } ?? .null, "channel": JSONValue.channel(entry.channel),
                "value": CayenneWire.value(entry.value, multiple: true), "reading_id": .number(Double(entry.readingId)),
            ]),
            "results": results(entry.outcomes),
        ])
    }

    /// What each action and notification of a firing or a job's run became.
    static func results(_ outcomes: [RuleLogEntry.Outcome]) -> JSONValue {
        .array(outcomes.map { outcome in
            .object([
                "type": .string(outcome.kind), "target": .string(outcome.target), "status": .string(outcome.status),
                "detail": outcome.detail.map(JSONValue.string) ?? .null,
            ])
        })
    }
}

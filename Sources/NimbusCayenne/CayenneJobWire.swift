import Foundation
import NimbusCore
import NimbusHTTP

/// Jobs on the wire, as the seed spells them (`cayenne-clients.md` §5): `config` with `type`, `interval`, `unit`,
/// `start_date` (UTC, `"2017-04-28 04:16"`) and `tz`; notifications with `method`/`value` (the seed's table also writes
/// `Method`/`Value`); actions with `thing_id` (or `sensor_id`), `channel` and `value`.
enum CayenneJobWire {
    struct Body: Decodable {
        var title: String?
        var active: Bool?
        var config: Config?
        var notifications: [Notification]?
        var actions: [Action]?
        var http_push: [JSONValue]?
    }

    struct Config: Decodable {
        var type: String
        var interval: Int?
        var unit: String?
        var start_date: CayenneRuleWire.Text
        var tz: String?
    }

    struct Notification: Decodable {
        var method: String?
        var Method: String?
        var value: String?
        var Value: String?
        var body: String?
    }

    struct Action: Decodable {
        var thing_id: String?
        var sensor_id: String?
        var id: String?
        var channel: CayenneRuleWire.Text
        var value: CayenneRuleWire.Text
    }

    static func draft(_ body: Body) throws -> JobUseCases.Draft {
        var draft = JobUseCases.Draft()
        draft.title = body.title
        draft.active = body.active
        draft.httpPush = try body.http_push.map(CayenneRuleWire.pushes)
        if let config = body.config { draft.schedule = try schedule(config) }
        draft.notifications = try body.notifications?.enumerated().map { index, notification in
            try CayenneRuleWire.notification(
                index, method: notification.method ?? notification.Method, value: notification.value ?? notification.Value, body: notification.body)
        }
        draft.actions = try body.actions?.enumerated().map { index, action in
            guard let raw = action.thing_id ?? action.id ?? action.sensor_id else {
                throw NimbusError.invalidInput(field: "actions[\(index)].thing_id", reason: "required")
            }
            return RuleUseCases.ActionDraft(
                thingId: try CayenneRuleWire.uuid(raw, field: "actions[\(index)].thing_id"), channel: action.channel.text, value: action.value.text)
        }
        return draft
    }

    private static func schedule(_ config: Config) throws -> JobSchedule {
        guard let kind = JobSchedule.Kind(rawValue: config.type.lowercased()) else {
            throw NimbusError.invalidInput(field: "config.type", reason: "must be interval or date")
        }
        var unit = JobSchedule.Unit.day
        var interval = 1
        if kind == .interval {
            guard let raw = config.unit, let parsed = JobSchedule.Unit(rawValue: raw.lowercased().trimmingSuffix("s")) else {
                throw NimbusError.invalidInput(field: "config.unit", reason: "must be minute, hour, day, month or year")
            }
            guard let value = config.interval, value >= 1 else { throw NimbusError.invalidInput(field: "config.interval", reason: "must be 1 or more") }
            unit = parsed
            interval = value
        }
        guard let start = startDate(config.start_date.text) else {
            throw NimbusError.invalidInput(field: "config.start_date", reason: "must be a UTC time such as 2017-04-28 04:16, or epoch milliseconds")
        }
        return JobSchedule(kind: kind, interval: interval, unit: unit, start: start, timeZone: config.tz ?? "UTC")
    }

    /// `2017-04-28 04:16`, `2017-04-28 04:16:30` (UTC), an RFC 3339 time, or epoch milliseconds.
    static func startDate(_ text: String) -> Date? {
        if let millis = Double(text), millis.isFinite, millis >= 0 { return Date(timeIntervalSince1970: millis / 1000) }
        let spaced = text.replacingOccurrences(of: " ", with: "T")
        let candidates = [spaced + ":00Z", spaced + "Z", spaced]
        for candidate in candidates {
            if let date = Timestamp.parse(candidate) { return date }
        }
        return nil
    }

    /// `2017-04-28 04:16` in UTC, with `:ss` when the seconds are not zero.
    static func startDate(_ date: Date) -> String {
        let text = Timestamp.rfc3339(date)  // 2017-04-28T04:16:30.000Z
        let seconds = text.dropFirst(17).prefix(2)
        return text.prefix(10) + " " + text.dropFirst(11).prefix(5) + (seconds == "00" ? "" : ":" + seconds)
    }

    // MARK: - Writing

    static func job(_ described: JobUseCases.Described, now: Date) -> JSONValue {
        let job = described.job
        let schedule = job.schedule
        var config: [String: JSONValue] = [
            "type": .string(schedule.kind.rawValue), "start_date": .string(startDate(schedule.start)), "tz": .string(schedule.timeZone),
        ]
        if schedule.kind == .interval {
            config["interval"] = .number(Double(schedule.interval))
            config["unit"] = .string(schedule.unit.rawValue)
        }
        let upcoming = job.active ? schedule.upcoming(after: (job.nextRuntime ?? now) - 0.001, count: JobUseCases.upcomingShown) : []
        return .object([
            "_id": .string(job.id), "id": .string(job.id), "title": .string(job.title), "account_id": .string(String(job.homeId)),
            "active": .bool(job.active), "config": .object(config), "next_runtime": job.active ? CayenneWire.time(job.nextRuntime) : .null,
            "upcoming_runtimes": .array(upcoming.map { CayenneWire.time($0) }), "__v": .number(Double(job.version)),
            "run_count": .number(Double(job.runCount)), "last_run": CayenneWire.time(job.lastRun),
            "notifications": .array(job.notifications.enumerated().map { index, notification in
                .object([
                    "_id": .string("\(job.id)-n\(index)"), "method": .string(notification.method.rawValue), "value": .string(notification.recipient),
                    "body": notification.body.map(JSONValue.string) ?? .null,
                ])
            }),
            "actions": .array(job.actions.enumerated().map { index, action in
                .object([
                    "_id": .string("\(job.id)-a\(index)"), "thing_id": described.thingIds[action.thingId].map { .string($0.lowercaseString) } ?? .null,
                    "sensor_id": .null, "channel": JSONValue.channel(action.channel), "unit": .string("std"), "value": .string(action.value),
                ])
            }),
            "http_push": CayenneRuleWire.pushes(job.httpPush, owner: job.id), "created_at": CayenneWire.time(job.creationTime), "updated_at": CayenneWire.time(job.updateTime),
        ])
    }

    static func run(_ run: JobRun) -> JSONValue {
        .object([
            "id": .string(String(run.id)), "job_id": .string(run.jobId), "scheduled_for": CayenneWire.time(run.scheduledFor),
            "created_at": CayenneWire.time(run.time),
            "results": CayenneRuleWire.results(run.outcomes),
        ])
    }
}

extension String {
    /// The string without one trailing `suffix` (`"hours"` → `"hour"`).
    fileprivate func trimmingSuffix(_ suffix: String) -> String {
        hasSuffix(suffix) ? String(dropLast(suffix.count)) : self
    }
}

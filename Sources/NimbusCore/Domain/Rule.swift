import Foundation

/// A rule of a Cayenne account: when its triggers hold, it runs its actions (commands to things) and sends its
/// notifications (email, SMS). A rule with notifications is what the sample app calls an alert.
///
/// A rule fires when its condition *becomes* true, not on every reading while it stays true: `isActive` remembers
/// that it holds, and a reading that makes it false re-arms it. With `repeatInterval` it fires again while it
/// stays true, at most once per interval. Each trigger remembers whether it held at its channel's last reading
/// (`triggerStates`), so that `AND` and `OR` over several channels are decided when any one of them reports.
public struct Rule: Sendable, Hashable {
    /// 24 lowercase hex digits, like the vendor's (Mongo) ids.
    public var id: String
    public var projectId: Int
    public var homeId: Int
    public var title: String
    public var enabled: Bool
    public var definition: RuleDefinition
    /// Whether the condition held at the last reading of a trigger's channel.
    public var isActive: Bool
    /// Per trigger, whether it held at its channel's last reading (`nil`: no reading since the rule was saved).
    public var triggerStates: [Bool?]
    public var runCount: Int
    public var lastFired: Date?
    /// When a firing last sent its notifications (`ThingLimits.ruleNotificationInterval`).
    public var lastNotified: Date?
    public var creationTime: Date
    public var updateTime: Date

    public init(
        id: String, projectId: Int, homeId: Int, title: String, enabled: Bool, definition: RuleDefinition, isActive: Bool = false,
        triggerStates: [Bool?]? = nil, runCount: Int = 0, lastFired: Date? = nil, lastNotified: Date? = nil, creationTime: Date,
        updateTime: Date
    ) {
        self.id = id
        self.projectId = projectId
        self.homeId = homeId
        self.title = title
        self.enabled = enabled
        self.definition = definition
        self.isActive = isActive
        self.triggerStates = triggerStates ?? Array(repeating: nil, count: definition.triggers.count)
        self.runCount = runCount
        self.lastFired = lastFired
        self.lastNotified = lastNotified
        self.creationTime = creationTime
        self.updateTime = updateTime
    }

    /// Whether evaluation left this rule as `other` (what `RuleRepository.updateState` writes is the same).
    public func hasSameState(as other: Rule) -> Bool {
        isActive == other.isActive && triggerStates == other.triggerStates && runCount == other.runCount && lastFired == other.lastFired
            && lastNotified == other.lastNotified
    }

    /// A new rule id: 12 random bytes in hex.
    public static func newId() -> String {
        Secrets.randomBytes(12).map { String(format: "%02x", $0) }.joined()
    }
}

/// What a rule watches and what it does, as the account wrote it (things by their stored ids).
public struct RuleDefinition: Sendable, Hashable, Codable {
    public enum Combination: String, Sendable, Hashable, Codable {
        case and = "AND", or = "OR"
    }

    public var triggers: [RuleTrigger]
    public var combination: Combination
    public var actions: [RuleAction]
    public var notifications: [RuleNotification]
    public var httpPush: [HTTPPush]
    /// Seconds after a firing before a condition that stayed true fires again; `nil`: only when it becomes true.
    public var repeatInterval: Int?

    public init(
        triggers: [RuleTrigger], combination: Combination = .and, actions: [RuleAction] = [], notifications: [RuleNotification] = [],
        httpPush: [HTTPPush] = [], repeatInterval: Int? = nil
    ) {
        self.triggers = triggers
        self.combination = combination
        self.actions = actions
        self.notifications = notifications
        self.httpPush = httpPush
        self.repeatInterval = repeatInterval
    }

    private enum CodingKeys: String, CodingKey {
        case triggers, combination, actions, notifications, httpPush, repeatInterval
    }

    /// Definitions stored before `httpPush` existed read as having none.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            triggers: try container.decode([RuleTrigger].self, forKey: .triggers),
            combination: try container.decode(Combination.self, forKey: .combination),
            actions: try container.decode([RuleAction].self, forKey: .actions),
            notifications: try container.decode([RuleNotification].self, forKey: .notifications),
            httpPush: try container.decodeIfPresent([HTTPPush].self, forKey: .httpPush) ?? [],
            repeatInterval: try container.decodeIfPresent(Int.self, forKey: .repeatInterval))
    }

    /// Whether the triggers' states make the rule's condition hold (a trigger without a reading yet does not hold).
    public func holds(_ states: [Bool?]) -> Bool {
        switch combination {
        case .and: !states.isEmpty && states.allSatisfy { $0 == true }
        case .or: states.contains { $0 == true }
        }
    }
}

/// One channel of one thing, and the conditions its readings must all meet.
public struct RuleTrigger: Sendable, Hashable, Codable {
    /// The thing: a device (then `channel` names one of its channels) or a channel's child sensor.
    public var thingId: Int
    public var channel: String
    public var unit: String?
    public var conditions: [RuleCondition]

    public init(thingId: Int, channel: String, unit: String? = nil, conditions: [RuleCondition]) {
        self.thingId = thingId
        self.channel = channel
        self.unit = unit
        self.conditions = conditions
    }

    /// Whether a reading is of this trigger's channel.
    public func watches(_ reading: Reading) -> Bool {
        !isState && reading.channel == channel && (reading.sensorId == thingId || reading.deviceId == thingId)
    }

    /// Whether the trigger is on the thing's connection state (`query_type: "state"`), not on a channel's readings.
    public var isState: Bool { conditions.contains { $0.operator.isState } }

    /// A state trigger's truth for a thing connected or not since `since`, at `now`: `online` holds while connected,
    /// `offline` once it has been disconnected for its minutes (never for a thing that has not connected yet).
    public func holds(connected: Bool, since: Date?, at now: Date) -> Bool {
        conditions.allSatisfy { condition in
            switch condition.operator {
            case .online: return connected
            case .offline:
                // A thing that never connected has no state to lose: it is not "offline" until it has been online.
                guard !connected, let since else { return false }
                let minutes = condition.values.first.flatMap(Double.init) ?? 0
                return now.timeIntervalSince(since) >= minutes * 60
            default: return false
            }
        }
    }

    public func holds(for value: ReadingValue) -> Bool {
        conditions.allSatisfy { $0.holds(for: value) }
    }
}

/// `value operator threshold`, numbers compared as numbers and anything else as text; or, for a location, whether it
/// lies inside or outside a circle (a geofence: with the rule's edge semantics `inside` fires on entering the circle and
/// `outside` on leaving it).
public struct RuleCondition: Sendable, Hashable, Codable {
    /// The seed's lowercase operators and the older format's uppercase ones (`IN` and `BETWEEN` take `values`), and the
    /// geofence's `inside` and `outside` (`values`: latitude, longitude, radius in metres).
    public enum Operator: String, Sendable, Hashable, Codable, CaseIterable {
        case gt, lt, eq, gte, lte, neq, `in`, between, inside, outside, online, offline

        public var isGeofence: Bool { self == .inside || self == .outside }
        /// A connection-state operator: `online` (the thing has a connection) or `offline` (it has had none for the
        /// minutes in the condition's value); decided by connects, disconnects and time, not by readings.
        public var isState: Bool { self == .online || self == .offline }
    }

    public var `operator`: Operator
    /// One value, or the list of `in`, or the two bounds of `between`, or a geofence's latitude, longitude and radius.
    public var values: [String]

    public init(operator: Operator, values: [String]) {
        self.operator = `operator`
        self.values = values
    }

    public func holds(for value: ReadingValue) -> Bool {
        if self.operator.isGeofence {
            // A location's first two numbers; anything else is neither inside nor outside.
            guard case .numbers(let coordinates) = value, coordinates.count >= 2, let circle = Self.circle(values) else { return false }
            let inside = Self.metres(from: (coordinates[0], coordinates[1]), to: (circle.latitude, circle.longitude)) <= circle.radius
            return self.operator == .inside ? inside : !inside
        }
        let number = value.primary
        let text = value.text()
        func compare(_ threshold: String, _ numbers: (Double, Double) -> Bool, _ texts: (String, String) -> Bool) -> Bool {
            if let number, let bound = Double(threshold) { return numbers(number, bound) }
            return texts(text, threshold)
        }
        guard let first = values.first else { return false }
        switch self.operator {
        case .gt: return compare(first, >, >)
        case .lt: return compare(first, <, <)
        case .gte: return compare(first, >=, >=)
        case .lte: return compare(first, <=, <=)
        case .eq: return compare(first, ==, ==)
        case .neq: return compare(first, !=, !=)
        case .in: return values.contains { compare($0, ==, ==) }
        case .between:
            guard values.count == 2 else { return false }
            return compare(values[0], >=, >=) && compare(values[1], <=, <=)
        case .inside, .outside, .online, .offline:
            return false
        }
    }

    /// A geofence's circle from its three values, or `nil` when they are not a latitude, a longitude and a radius in metres.
    public static func circle(_ values: [String]) -> (latitude: Double, longitude: Double, radius: Double)? {
        let numbers = values.compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard numbers.count == 3, values.count == 3, (-90...90).contains(numbers[0]), (-180...180).contains(numbers[1]),
              numbers[2] > 0, numbers[2] <= 20_000_000 else { return nil }
        return (numbers[0], numbers[1], numbers[2])
    }

    /// The great-circle distance between two points (haversine, on a sphere of the Earth's mean radius).
    static func metres(from a: (Double, Double), to b: (Double, Double)) -> Double {
        let radians = Double.pi / 180
        let dLat = (b.0 - a.0) * radians, dLon = (b.1 - a.1) * radians
        let h = sin(dLat / 2) * sin(dLat / 2) + cos(a.0 * radians) * cos(b.0 * radians) * sin(dLon / 2) * sin(dLon / 2)
        return 2 * 6_371_008.8 * asin(min(1, h.squareRoot()))
    }
}

/// A command a firing sends to a channel of a thing of the account.
public struct RuleAction: Sendable, Hashable, Codable {
    public var thingId: Int
    public var channel: String
    public var value: String

    public init(thingId: Int, channel: String, value: String) {
        self.thingId = thingId
        self.channel = channel
        self.value = value
    }
}

/// A message a firing sends through the outbox.
public struct RuleNotification: Sendable, Hashable, Codable {
    public enum Method: String, Sendable, Hashable, Codable {
        case email, sms
    }

    public var method: Method
    /// The address or phone number.
    public var recipient: String
    /// The text to send; `nil`: a readable default naming the thing, channel, value and time.
    public var body: String?

    public init(method: Method, recipient: String, body: String?) {
        self.method = method
        self.recipient = recipient
        self.body = body
    }
}

/// One firing of a rule: what triggered it and what each action and notification became.
public struct RuleLogEntry: Sendable, Hashable {
    public struct Outcome: Sendable, Hashable, Codable {
        /// `command`, `email` or `sms`.
        public var kind: String
        /// The thing's id and channel, the address or the phone number.
        public var target: String
        /// `queued` (in the outbox), `sent` (a command handed to the thing's connections) or `failed`.
        public var status: String
        /// The command's id, or why it failed.
        public var detail: String?

        public init(kind: String, target: String, status: String, detail: String? = nil) {
            self.kind = kind
            self.target = target
            self.status = status
            self.detail = detail
        }
    }

    public var id: Int
    public var ruleId: String
    public var homeId: Int
    public var time: Date
    /// The reading that made the condition hold.
    public var readingId: Int
    public var thingId: Int
    public var channel: String
    public var value: ReadingValue
    public var outcomes: [Outcome]

    public init(
        id: Int, ruleId: String, homeId: Int, time: Date, readingId: Int, thingId: Int, channel: String, value: ReadingValue, outcomes: [Outcome]
    ) {
        self.id = id
        self.ruleId = ruleId
        self.homeId = homeId
        self.time = time
        self.readingId = readingId
        self.thingId = thingId
        self.channel = channel
        self.value = value
        self.outcomes = outcomes
    }
}

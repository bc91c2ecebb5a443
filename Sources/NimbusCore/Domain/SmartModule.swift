import Foundation

/// A project-wide extension that consumes events (MODE smart modules). The `webhooks` type delivers
/// subscribed events to a URL, signed with the module's key; the `tsdb` type keeps their numbers as readings.
public struct SmartModule: Sendable, Hashable {
    public var id: String
    public var projectId: Int
    public var moduleType: String
    public var description: String
    public var suspended: Bool
    public var subscribedEvents: [String]
    /// Private configuration (for webhooks: `url` and `key`); never shown through a dialect.
    public var configData: [String: JSONValue]
    public var creationTime: Date

    public init(
        id: String, projectId: Int, moduleType: String, description: String, suspended: Bool,
        subscribedEvents: [String], configData: [String: JSONValue], creationTime: Date
    ) {
        self.id = id
        self.projectId = projectId
        self.moduleType = moduleType
        self.description = description
        self.suspended = suspended
        self.subscribedEvents = subscribedEvents
        self.configData = configData
        self.creationTime = creationTime
    }

    /// The type that delivers events to a URL.
    public static let webhooksType = "webhooks"
    /// The type that keeps the numbers of device events as readings (MODE's time-series database).
    public static let timeSeriesType = "tsdb"

    /// Whether this module wants events of the given type.
    public func subscribes(to eventType: String) -> Bool {
        !suspended && (subscribedEvents.contains("*") || subscribedEvents.contains(eventType))
    }
}

/// A message waiting in the durable outbox to be sent to the outside world.
public struct OutboxMessage: Sendable, Hashable {
    public enum Kind: String, Sendable, Codable {
        case email
        case sms
        case webhook
        /// A rule's or a job's `http_push`.
        case httpPush = "http_push"
    }

    public var id: Int
    public var kind: Kind
    /// What to send, as the sender for `kind` expects it (see `EmailMessage`, `SMSMessage`, `WebhookDelivery`).
    public var payload: JSONValue
    public var attempts: Int
    public var nextAttemptTime: Date
    public var creationTime: Date

    public init(id: Int, kind: Kind, payload: JSONValue, attempts: Int, nextAttemptTime: Date, creationTime: Date) {
        self.id = id
        self.kind = kind
        self.payload = payload
        self.attempts = attempts
        self.nextAttemptTime = nextAttemptTime
        self.creationTime = creationTime
    }
}

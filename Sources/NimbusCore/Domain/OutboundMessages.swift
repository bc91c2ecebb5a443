/// What an outbox message carries: stored as JSON, read back by the sender for its kind.
public protocol OutboxPayload: Codable, Sendable {
    static var kind: OutboxMessage.Kind { get }
}

extension OutboxPayload {
    public var payload: JSONValue {
        // Encoding plain strings and numbers into a JSON value cannot fail.
        (try? JSONValue(encoding: self)) ?? .null
    }

    public init?(payload: JSONValue) {
        guard let value = try? payload.decode(as: Self.self) else { return nil }
        self = value
    }
}

/// An email waiting in the outbox.
public struct EmailMessage: OutboxPayload, Hashable {
    public static let kind = OutboxMessage.Kind.email
    public var to: String
    public var subject: String
    public var body: String

    public init(to: String, subject: String, body: String) {
        self.to = to
        self.subject = subject
        self.body = body
    }
}

/// A text message waiting in the outbox.
public struct SMSMessage: OutboxPayload, Hashable {
    public static let kind = OutboxMessage.Kind.sms
    public var to: String
    public var body: String

    public init(to: String, body: String) {
        self.to = to
        self.body = body
    }
}

/// A webhook delivery waiting in the outbox. The URL and signing key are read from the module when
/// it is sent, so the outbox never holds the key.
public struct WebhookDelivery: OutboxPayload, Hashable {
    public static let kind = OutboxMessage.Kind.webhook
    public var projectId: Int
    public var moduleId: String
    public var body: String

    public init(projectId: Int, moduleId: String, body: String) {
        self.projectId = projectId
        self.moduleId = moduleId
        self.body = body
    }
}

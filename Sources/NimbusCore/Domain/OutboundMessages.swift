/// An email waiting in the outbox.
public struct EmailMessage: Sendable, Hashable, Codable {
    public var to: String
    public var subject: String
    public var body: String

    public init(to: String, subject: String, body: String) {
        self.to = to
        self.subject = subject
        self.body = body
    }

    public var payload: JSONValue { .object(["to": .string(to), "subject": .string(subject), "body": .string(body)]) }

    public init?(payload: JSONValue) {
        guard case .string(let to)? = payload.objectValue?["to"], case .string(let subject)? = payload.objectValue?["subject"],
            case .string(let body)? = payload.objectValue?["body"]
        else { return nil }
        self.init(to: to, subject: subject, body: body)
    }
}

/// A text message waiting in the outbox.
public struct SMSMessage: Sendable, Hashable, Codable {
    public var to: String
    public var body: String

    public init(to: String, body: String) {
        self.to = to
        self.body = body
    }

    public var payload: JSONValue { .object(["to": .string(to), "body": .string(body)]) }

    public init?(payload: JSONValue) {
        guard case .string(let to)? = payload.objectValue?["to"], case .string(let body)? = payload.objectValue?["body"] else { return nil }
        self.init(to: to, body: body)
    }
}

/// A webhook delivery waiting in the outbox. The URL and signing key are read from the module when
/// it is sent, so the outbox never holds the key.
public struct WebhookDelivery: Sendable, Hashable, Codable {
    public var projectId: Int
    public var moduleId: String
    public var body: String

    public init(projectId: Int, moduleId: String, body: String) {
        self.projectId = projectId
        self.moduleId = moduleId
        self.body = body
    }

    public var payload: JSONValue {
        .object(["projectId": .number(Double(projectId)), "moduleId": .string(moduleId), "body": .string(body)])
    }

    public init?(payload: JSONValue) {
        guard case .number(let projectId)? = payload.objectValue?["projectId"], case .string(let moduleId)? = payload.objectValue?["moduleId"],
            case .string(let body)? = payload.objectValue?["body"]
        else { return nil }
        self.init(projectId: Int(projectId), moduleId: moduleId, body: body)
    }
}

import Logging
import NimbusCore

/// Sends one email. Throwing means "try again later"; the outbox keeps the message until then.
public protocol MailSender: Sendable {
    func send(_ message: EmailMessage) async throws
}

/// Sends one text message.
public protocol SMSSender: Sendable {
    func send(_ message: SMSMessage) async throws
}

/// Without an SMTP server or SMS gateway configured, messages are written to the log, so that a
/// local setup can sign users up. This is the one place where a link or code appears in a log: the
/// operator chose not to configure delivery.
public struct LogMessageSender: MailSender, SMSSender {
    let logger: Logger

    public init(logger: Logger) {
        self.logger = logger
    }

    public func send(_ message: EmailMessage) async throws {
        logger.notice("email (no --smtp-url configured)", metadata: ["mail.to": "\(message.to)", "mail.subject": "\(message.subject)", "mail.body": "\(message.body)"])
    }

    public func send(_ message: SMSMessage) async throws {
        logger.notice("sms (no --sms-url configured)", metadata: ["sms.to": "\(message.to)", "sms.body": "\(message.body)"])
    }
}

/// A failure to deliver that is worth retrying, with a message for the outbox's `last_error`.
public struct DeliveryError: Error, CustomStringConvertible, Sendable {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}

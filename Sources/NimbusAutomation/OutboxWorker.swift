import Foundation
import Logging
import NimbusCore
import ServiceLifecycle
import Synchronization

/// Drains the durable outbox: sends what is due, marks it sent, and reschedules failures with
/// exponential backoff (1 s doubling up to 10 minutes, 12 attempts in all). Messages are written to
/// the outbox in the same transaction as the change that caused them, so nothing is sent for a
/// change that rolled back, and nothing is lost when the process dies before sending.
public final class OutboxWorker: Service, Sendable {
    public static let maximumAttempts = 12

    private let store: any Store
    private let mail: any MailSender
    private let sms: any SMSSender
    private let webhooks: WebhookSender
    private let pushes: HTTPPushSender?
    private let logger: Logger
    private let pollInterval: Duration
    /// This server among those on the database (`CoreEnvironment.node`): its claims name it.
    private let node: String
    private let wakeUps: AsyncStream<Void>
    private let wakeUpContinuation: AsyncStream<Void>.Continuation

    /// - Parameter pushes: sends rules' and jobs' `http_push`; without one they are abandoned.
    public init(
        store: any Store, mail: any MailSender, sms: any SMSSender, webhooks: WebhookSender, pushes: HTTPPushSender? = nil, logger: Logger,
        pollInterval: Duration = .seconds(1), node: String = UUID().uuidString.lowercased()
    ) {
        self.node = node
        self.store = store
        self.mail = mail
        self.sms = sms
        self.webhooks = webhooks
        self.pushes = pushes
        self.logger = logger
        self.pollInterval = pollInterval
        (wakeUps, wakeUpContinuation) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    /// Asks the worker to look at the outbox now (after a commit that enqueued something).
    /// How long a claimed message is this server's to send before another server on the database may take it: longer
    /// than any send may take (each is bounded by a 10 s timeout). A server that restarted, or stopped beating, has its
    /// claims released before that (`OutboxRepository.releaseClaims`).
    static let lease: TimeInterval = 60

    public func wakeUp() {
        wakeUpContinuation.yield()
    }

    public func run() async throws {
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                // A timer that wakes the loop for retries whose time has come.
                group.addTask { [pollInterval, wakeUpContinuation] in
                    while !Task.isCancelled {
                        try? await Task.sleep(for: pollInterval)
                        wakeUpContinuation.yield()
                    }
                }
                for await _ in wakeUps {
                    await drain()
                }
                group.cancelAll()
            }
        } onGracefulShutdown: {
            self.wakeUpContinuation.finish()
        }
    }

    /// Sends everything that is due now. At shutdown it finishes the batch it is sending (each send is bounded
    /// by its timeout) and leaves the rest in the outbox for the next start.
    public func drain() async {
        while !Task.isShuttingDownGracefully {
            let due: [OutboxMessage]
            do {
                let now = Date()
                let node = self.node
                due = try await store.write { tx in try await tx.outbox.claim(dueAt: now, limit: 32, leaseEnd: now + Self.lease, by: node) }
            } catch {
                logger.error("could not read the outbox", metadata: ["error": "\(String(reflecting: error))"])
                return
            }
            if due.isEmpty { return }
            await withTaskGroup(of: Void.self) { group in
                for message in due { group.addTask { await self.deliver(message) } }
            }
        }
    }

    private func deliver(_ message: OutboxMessage) async {
        var metadata: Logger.Metadata = ["outbox.id": "\(message.id)", "outbox.kind": "\(message.kind.rawValue)", "outbox.attempt": "\(message.attempts + 1)"]
        do {
            try await send(message)
            try await store.write { tx in try await tx.outbox.complete(id: message.id) }
            logger.debug("outbox message sent", metadata: metadata)
        } catch {
            let attempts = message.attempts + 1
            metadata["error"] = "\(error)"
            do {
                if attempts >= Self.maximumAttempts || error is DeliveryRefused {
                    try await store.write { tx in try await tx.outbox.abandon(id: message.id, lastError: "\(error)") }
                    logger.error("outbox message abandoned", metadata: metadata)
                } else {
                    let delay = min(600, pow(2, Double(attempts - 1)))
                    try await store.write { tx in
                        try await tx.outbox.reschedule(id: message.id, attempts: attempts, nextAttemptTime: Date() + delay, lastError: "\(error)")
                    }
                    logger.warning("outbox message failed, will retry", metadata: metadata)
                }
            } catch {
                logger.error("could not update the outbox", metadata: ["error": "\(String(reflecting: error))"])
            }
        }
    }

    private func send(_ message: OutboxMessage) async throws {
        switch message.kind {
        case .email:
            guard let email = EmailMessage(payload: message.payload) else { throw DeliveryError("malformed email payload") }
            try await mail.send(email)
        case .sms:
            guard let text = SMSMessage(payload: message.payload) else { throw DeliveryError("malformed SMS payload") }
            try await sms.send(text)
        case .webhook:
            guard let delivery = WebhookDelivery(payload: message.payload) else { throw DeliveryError("malformed webhook payload") }
            _ = try await webhooks.send(delivery)
        case .httpPush:
            guard let delivery = HTTPPushDelivery(payload: message.payload) else { throw DeliveryRefused("malformed http push payload") }
            guard let pushes else { throw DeliveryRefused("this process sends no http push") }
            try await pushes.send(delivery)
        }
    }
}

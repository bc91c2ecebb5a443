import Foundation
import Logging

/// What every use case needs: the store, the bus, the clock and the links put into messages.
public struct CoreEnvironment: Sendable {
    public var store: any Store
    public var bus: any MessageBus
    public var clock: any WallClock
    public var links: AccountLinks
    public var eventFormatter: any EventFormatter
    /// Wakes the outbox sender after a transaction that enqueued something has committed.
    public var outboxSignal: @Sendable () -> Void
    public var logger: Logger
    /// Shared by every copy of the environment, so that a revocation reaches the authenticator.
    public let credentials: CredentialCache

    public init(
        store: any Store, bus: any MessageBus, clock: any WallClock = SystemWallClock(), links: AccountLinks,
        eventFormatter: any EventFormatter, outboxSignal: @escaping @Sendable () -> Void = {}, logger: Logger,
        credentials: CredentialCache = CredentialCache()
    ) {
        self.store = store
        self.bus = bus
        self.clock = clock
        self.links = links
        self.eventFormatter = eventFormatter
        self.outboxSignal = outboxSignal
        self.logger = logger
        self.credentials = credentials
    }

    /// Makes the credentials of a session, user or device stop working at once in this process, and
    /// closes the connections opened with them. Call it after the commit that deleted them.
    func revoke(_ topic: BusTopic) {
        credentials.forget(topic)
        bus.publish(.revoked, to: topic)
    }
}

/// Builds the links that emails carry. The server fills them in from the public URL and the dialect
/// whose pages handle them, so the core never learns a path.
public struct AccountLinks: Sendable {
    public var emailVerification: @Sendable (_ token: String) -> String
    public var passwordReset: @Sendable (_ token: String) -> String

    public init(
        emailVerification: @escaping @Sendable (String) -> String,
        passwordReset: @escaping @Sendable (String) -> String
    ) {
        self.emailVerification = emailVerification
        self.passwordReset = passwordReset
    }
}

/// Renders an event as the body a webhook receives. Supplied by the dialect that owns webhooks.
public protocol EventFormatter: Sendable {
    func webhookBody(for event: Event) -> String
}

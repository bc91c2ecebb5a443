import Foundation
import Logging

/// What every use case needs: the store, the bus, the clock, and what the dialects plug into the core.
public struct CoreEnvironment: Sendable {
    public var store: any Store
    public var bus: any MessageBus
    public var clock: any WallClock
    /// The dialects' observers of the event write path (MODE's webhook deliveries), see `IngestObserver`.
    public var eventObservers: [any IngestObserver<Event>]
    /// What dialects and the core derive from each stored reading (latest values, rule triggers).
    public var readingObservers: [any IngestObserver<Reading>]
    /// Batches of stored events the live publisher keeps waiting for their audience (`EventPublisher`).
    public var livePublishQueue: Int
    /// Wakes the outbox sender after a transaction that enqueued something has committed.
    public var outboxSignal: @Sendable () -> Void
    public var logger: Logger
    /// Shared by every copy of the environment, so that a revocation reaches the authenticator.
    public let credentials: CredentialCache
    /// The keys that sign and verify access tokens; `Nimbus.start()` loads them.
    public let signingKeys: SigningKeyRing
    /// Failed sign-ins by account and address, shared by every way of signing in with a password.
    public let signInThrottle: SignInThrottle
    /// Messages sent to addresses callers choose, by target and by client address.
    public let messageThrottle: MessageThrottle
    /// The accounts' enabled rules that ingest evaluates, kept between batches.
    let ruleSets = RuleSetCache()
    /// This server among those sharing the database (a random id per process): whose device connections and outbox
    /// claims are whose.
    public let node: String
    public var oauth: OAuthSettings
    /// How long a Cayenne command waits for its thing to connect and answer before it times out.
    public var commandLifetime: TimeInterval
    /// How much one Cayenne account can make the server hold.
    public var thingLimits: ThingLimits
    /// Seals the secrets shown again later (accounts' MQTT passwords) with the server's key.
    public var secretBox: SecretBox
    /// Whether readings are rolled up as they are stored. Always on in a server (ranges are answered from the
    /// rollups); off only to measure what rollups cost on ingest (`Benchmarks/ReadingIngest`).
    public var rollsUpReadings = true

    public init(
        store: any Store, bus: any MessageBus, clock: any WallClock = SystemWallClock(), livePublishQueue: Int = 1024,
        eventObservers: [any IngestObserver<Event>] = [], readingObservers: [any IngestObserver<Reading>] = [], outboxSignal: @escaping @Sendable () -> Void = {}, logger: Logger,
        credentials: CredentialCache = CredentialCache(), oauth: OAuthSettings = OAuthSettings(issuer: "http://localhost/cayenne"),
        signInThrottle: SignInThrottle = SignInThrottle(), messageThrottle: MessageThrottle = MessageThrottle(),
        secretBox: SecretBox = .ephemeral(), commandLifetime: TimeInterval = 300,
        thingLimits: ThingLimits = ThingLimits(), node: String = UUID().uuidString.lowercased()
    ) {
        self.node = node
        self.store = store
        self.bus = bus
        self.clock = clock
        self.eventObservers = eventObservers
        self.readingObservers = readingObservers
        self.livePublishQueue = livePublishQueue
        self.outboxSignal = outboxSignal
        self.logger = logger
        self.credentials = credentials
        self.signingKeys = SigningKeyRing()
        self.signInThrottle = signInThrottle
        self.messageThrottle = messageThrottle
        self.oauth = oauth
        self.secretBox = secretBox
        self.commandLifetime = commandLifetime
        self.thingLimits = thingLimits
        // Another node's revocations reach this one's cache too (a bus between nodes; `revoke` for this node's own).
        bus.onRevocationFromElsewhere { [credentials] message, topic in
            switch message {
            case .revoked: credentials.forget(topic)
            case .credentialRevoked(let revocation): credentials.forget(revocation)
            default: break
            }
        }
    }

    /// Makes the credentials of a session, user or device stop working at once in this process, and
    /// closes the connections opened with them. Call it after the commit that deleted them.
    func revoke(_ topic: BusTopic) {
        credentials.forget(topic)
        bus.publish(.revoked, to: topic)
    }

    /// Makes a credential that belongs to no topic stop working at once here and on the other servers sharing the
    /// bus. Call it after the commit that revoked it.
    func revoke(_ credential: CredentialRevocation) {
        credentials.forget(credential)
        bus.publishToOtherServers(.credentialRevoked(credential), to: .credentials)
    }
}

/// The settings of the OAuth authorization server.
public struct OAuthSettings: Sendable {
    /// The `iss` of every access token, and the issuer of the discovery metadata.
    public var issuer: String
    public var accessTokenLifetime: TimeInterval
    public var refreshTokenLifetime: TimeInterval
    public var codeLifetime: TimeInterval
    public var singleSignOnLifetime: TimeInterval
    /// The app a password grant or sign-up without a client belongs to (Cayenne's clients send none); without it
    /// those are refused with `invalid_client`.
    public var defaultClientId: String?

    public init(
        issuer: String, accessTokenLifetime: TimeInterval = 15 * 60, refreshTokenLifetime: TimeInterval = 30 * 24 * 3600,
        codeLifetime: TimeInterval = 60, singleSignOnLifetime: TimeInterval = 7 * 24 * 3600, defaultClientId: String? = nil
    ) {
        self.issuer = issuer
        self.accessTokenLifetime = accessTokenLifetime
        self.refreshTokenLifetime = refreshTokenLifetime
        self.codeLifetime = codeLifetime
        self.singleSignOnLifetime = singleSignOnLifetime
        self.defaultClientId = defaultClientId
    }
}

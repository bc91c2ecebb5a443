import Foundation
import Logging
import NimbusAutomation
import NimbusCore
import NimbusMODE
import NimbusStore

/// The parts every `nimbus` command runs on, built in one place from the configuration: the store (migrated),
/// the bus, the outbox worker with its mail, SMS and webhook senders, and the core with each dialect's
/// observers of the write path, the OAuth settings and the throttles. `serve` adds the listeners (`buildApplication`) and starts the
/// core; the admin commands call its admin use cases. So the CLI and the server never disagree on, say, the
/// OAuth issuer.
public struct NimbusAssembly: Sendable {
    public let store: SQLStore
    public let outbox: OutboxWorker
    public let nimbus: Nimbus
    /// The live bus: the process's own, or on PostgreSQL one shared with the other nodes (a service to run).
    public let bus: any MessageBus

    /// Builds the parts; the senders are checked before the store opens, so a bad setting changes nothing.
    public static func assemble(_ configuration: ServerConfiguration, logger: Logger) async throws -> NimbusAssembly {
        let mail = try mailSender(configuration, logger: logger)
        let sms = try smsSender(configuration, logger: logger)
        let secretBox = try SecretsKeyFile.load(configuration, logger: logger)
        let store = try await SQLStore.open(databaseURL: configuration.databaseURL, dataDirectory: configuration.dataDirectory, logger: logger)
        let pushes = HTTPPushSender(store: store, secretBox: secretBox, policy: HTTPPushAddressPolicy(allowed: try HTTPPushAddressPolicy.parse(configuration.httpPushAllow).get()))
        // This server among those that may share the database: its device connections, claims and leases name it.
        let node = UUID().uuidString.lowercased()
        let outbox = OutboxWorker(
            store: store, mail: mail, sms: sms, webhooks: WebhookSender(store: store), pushes: pushes, logger: logger, node: node)
        let bus = store.bus(
            local: InProcessBus(queueLimit: configuration.liveSubscriberQueue, byteLimit: configuration.liveSubscriberQueueBytes),
            outgoingLimit: configuration.busOutgoingQueue, outgoingByteLimit: configuration.busOutgoingQueueBytes, logger: logger)
        let nimbus = Nimbus(environment: CoreEnvironment(
            store: store,
            bus: bus,
            livePublishQueue: configuration.livePublishQueue,
            eventObservers: ModeDialect.eventObservers(wakeOutbox: { outbox.wakeUp() }, limits: configuration.thingLimits),
            outboxSignal: { outbox.wakeUp() }, logger: logger,
            oauth: configuration.oauthSettings,
            signInThrottle: SignInThrottle(
                limits: configuration.signInLimits, counts: bus.reachesOtherServers ? StoredAttemptCounts(store: store) : nil),
            messageThrottle: MessageThrottle(limits: configuration.messageLimits, countsAddressesInStore: bus.reachesOtherServers),
            secretBox: secretBox, commandLifetime: Double(configuration.cayenneCommandLifetime),
            thingLimits: configuration.thingLimits, node: node))
        return NimbusAssembly(store: store, outbox: outbox, nimbus: nimbus, bus: bus)
    }

    /// Whether the node can be given traffic: it hears the other nodes' live messages (always, on one process's bus).
    public var isReady: Bool {
        (bus as? PostgresBus)?.isListening ?? true
    }

    /// Closes the store, for commands that do not run it as a service.
    public func close() async throws {
        try await store.close()
    }
}

private func mailSender(_ configuration: ServerConfiguration, logger: Logger) throws -> any MailSender {
    guard let url = configuration.smtpURL else { return LogMessageSender(logger: logger) }
    return try SMTPMailSender(url: url, from: configuration.mailFrom, trustedCAFile: configuration.smtpCA)
}

private func smsSender(_ configuration: ServerConfiguration, logger: Logger) throws -> any SMSSender {
    guard let url = configuration.smsURL else { return LogMessageSender(logger: logger) }
    return try HTTPSMSSender(url: url, from: configuration.smsFrom)
}

import AsyncHTTPClient
import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging
import NimbusAutomation
import NimbusCore
import NimbusHTTP
import NimbusMODE
import NimbusStore
import Prometheus
import ServiceLifecycle

/// Builds the whole server from its configuration: the store (migrated), the bus, the outbox worker,
/// the core, and the HTTP application with every dialect's routes. The returned application runs all
/// of them as services; `runService()` adds graceful shutdown on SIGTERM and SIGINT.
public func buildApplication(
    configuration: ServerConfiguration, logger: Logger, onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) async throws -> some ApplicationProtocol {
    _ = NimbusMetrics.registry
    let store = try await SQLStore.open(databaseURL: configuration.databaseURL, dataDirectory: configuration.dataDirectory, logger: logger)
    let bus = InProcessBus()
    let outbox = OutboxWorker(
        store: store, mail: try mailSender(configuration, logger: logger), sms: try smsSender(configuration, logger: logger),
        webhooks: WebhookSender(store: store), logger: logger)
    let nimbus = Nimbus(environment: CoreEnvironment(
        store: store, bus: bus, links: ModeDialect.accountLinks(publicURL: configuration.effectivePublicURL),
        eventFormatter: ModeEventFormatter(), outboxSignal: { outbox.wakeUp() }, logger: logger))
    try await nimbus.admin.resetConnections()

    let router = buildRouter()
    let webSocketRouter = Router(context: NimbusRequestContext.self)
    ModeDialect(nimbus: nimbus).addRoutes(to: router, webSocketRouter: webSocketRouter)

    return Application(
        router: router,
        server: .http1WebSockets(webSocketRouter: webSocketRouter, configuration: .init(ws: .init(maxFrameSize: 1 << 20, closeTimeout: .seconds(2)))),
        configuration: .init(address: .hostname(configuration.bind, port: configuration.httpPort), serverName: "Nimbus"),
        services: [store, outbox],
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? configuration.httpPort) },
        logger: logger)
}

/// The routes that belong to no dialect: health and metrics.
func buildRouter() -> Router<NimbusRequestContext> {
    let router = Router(context: NimbusRequestContext.self)
    router.add(middleware: MetricsMiddleware())
    router.add(middleware: RequestLogMiddleware(.debug))
    router.get("health") { _, _ in
        // Routes are served only after migrations ran and the listener is up, so answering is the check.
        Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: #"{"status":"ok"}"#)))
    }
    router.get("metrics") { _, _ in
        Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
            body: .init(byteBuffer: ByteBuffer(bytes: NimbusMetrics.registry.emitToBuffer())))
    }
    return router
}

private func mailSender(_ configuration: ServerConfiguration, logger: Logger) throws -> any MailSender {
    guard let url = configuration.smtpURL else { return LogMessageSender(logger: logger) }
    return try SMTPMailSender(url: url, from: configuration.mailFrom, trustedCAFile: configuration.smtpCA)
}

private func smsSender(_ configuration: ServerConfiguration, logger: Logger) throws -> any SMSSender {
    guard let url = configuration.smsURL else { return LogMessageSender(logger: logger) }
    return try HTTPSMSSender(url: url, from: configuration.smsFrom)
}

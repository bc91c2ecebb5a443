import AsyncHTTPClient
import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging
import NimbusAutomation
import NimbusCayenne
import NimbusCore
import NimbusHTTP
import NimbusMODE
import NimbusMQTT
import NimbusMQTTStore
import NIOSSL
import NimbusStore
import NimbusWiFiMotion
import NimbusConsole
import Prometheus
import ServiceLifecycle

/// Builds the whole server from its configuration: the parts every command shares (`NimbusAssembly`: the store,
/// the bus, the outbox worker, the core), then the HTTP application with every dialect's routes and the MQTT
/// broker. The returned application runs all of them as services; `runService()` adds graceful shutdown on
/// SIGTERM and SIGINT. `metrics` is the registry `GET /metrics` serves; the executable bootstraps swift-metrics
/// with it.
public func buildApplication(
    configuration: ServerConfiguration, logger: Logger, metrics: PrometheusCollectorRegistry = PrometheusCollectorRegistry(),
    drain: ServerDrain? = nil, onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) async throws -> some ApplicationProtocol {
    // Everything that can fail on a bad setting is checked before the store opens.
    let mqttTLS = try mqttTLSContext(configuration)
    let assembly = try await NimbusAssembly.assemble(configuration, logger: logger)
    let (store, outbox, nimbus) = (assembly.store, assembly.outbox, assembly.nimbus)
    let publicURL = configuration.publicBaseURL
    do {
        let heartbeatInterval = Duration.seconds(configuration.nodeHeartbeatInterval)
        try await nimbus.start(forgettingServersSilentFor: NodeHeartbeat.staleAfter(heartbeatInterval))

        let router = buildRouter(metrics: metrics, isReady: { assembly.isReady && drain?.isDraining != true })
        let serverName = "Nimbus"
        let webSocketRouter = Router(context: NimbusRequestContext.self)
        let mode = ModeDialect(nimbus: nimbus, publicURL: publicURL)
        mode.addRoutes(to: router, webSocketRouter: webSocketRouter)
        try CayenneDialect(nimbus: nimbus, publicURL: publicURL).addRoutes(to: router, webSocketRouter: webSocketRouter)

        let broker = MQTTBroker(
            limits: configuration.mqtt.brokerLimits, sessionStore: SQLMQTTStore(store: store), retainedStore: SQLMQTTStore(store: store))
        try await broker.restore()
        // Beside other servers, the brokers route each other's messages and hand sessions over (`MQTTClusterRelay`).
        let relay = assembly.bus.reachesOtherServers
            ? MQTTClusterRelay(bus: assembly.bus, broker: broker, wills: SQLMQTTStore(store: store), node: nimbus.environment.node, logger: logger)
            : nil
        if let relay { await broker.join(relay) }
        let heartbeat = NodeHeartbeat(nimbus: nimbus, relay: relay, interval: heartbeatInterval, logger: logger)
        let hubs = WiFiMotionHubLinks(nimbus: nimbus, broker: broker)
        try await WiFiMotionDialect.start(nimbus: nimbus, projectName: configuration.wifiMotionProject, publicURL: publicURL)
            .addRoutes(to: router, webSocketRouter: webSocketRouter, hubs: hubs)
        try await ConsoleDialect.start(
            nimbus: nimbus, projectName: configuration.consoleProject, publicURL: publicURL, tileURL: configuration.consoleTileURL,
            mqttPort: configuration.mqttPort
        ).addRoutes(to: router)
        let mqttServer = MQTTServer(
            broker: broker, hooks: mqttHooks(configuration, nimbus: nimbus, broker: broker, hubs: hubs, logger: logger),
            settings: configuration.mqtt, logger: logger)
        MQTTWebSocketRoute.add(to: webSocketRouter, server: mqttServer)
        let mqttListeners = try await mqttListeners(configuration, server: mqttServer, tls: mqttTLS, logger: logger)

        return Application(
            router: router,
            server: .http1WebSockets(
                webSocketRouter: webSocketRouter, configuration: .init(ws: .init(maxFrameSize: 1 << 20, closeTimeout: .seconds(2))),
                limits: configuration.http, connections: httpConnections(configuration, logger: logger),
                earlyRoutes: mode.earlyRoutes(logger: logger), serverName: serverName),
            configuration: .init(address: .hostname(configuration.bind, port: configuration.httpPort), serverName: serverName),
            services: [
                store, outbox, CommandTimeoutWatcher(commands: nimbus.thingCommands, logger: logger), JobScheduler(jobs: nimbus.jobs, rules: nimbus.rules, logger: logger),
                ReadingRetentionWorker(readings: nimbus.readings, interval: .seconds(configuration.readingRetentionInterval), logger: logger),
            ] + [assembly.bus].compactMap { $0 as? any Service } + (assembly.bus.reachesOtherServers ? [heartbeat] : []) + [relay].compactMap { $0 } + mqttListeners,
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? configuration.httpPort) },
            logger: logger)
    } catch {
        // The store is a service that closes itself when the application stops; it never started.
        try? await store.close()
        throw error
    }
}

/// The counter of open HTTP connections, its total limit set or derived from the open-file limit (raised first to
/// the hard limit), with a warning when a set limit leaves MQTT and the rest too few descriptors.
private func httpConnections(_ configuration: ServerConfiguration, logger: Logger) -> HTTPConnectionCounter {
    let openFileLimit = OpenFileLimit.raiseToHardLimit()
    let maximum = configuration.http.maximumConnections ?? OpenFileLimit.defaultHTTPConnections(openFileLimit: openFileLimit)
    if let openFileLimit, maximum > openFileLimit / 2 {
        logger.warning(
            "--http-max-connections is more than half the open-file limit: HTTP clients could take the descriptors MQTT needs",
            metadata: ["http.max_connections": "\(maximum)", "process.open_file_limit": "\(openFileLimit)"])
    }
    logger.info(
        "HTTP connection limits",
        metadata: [
            "http.max_connections": "\(maximum)", "http.max_connections_per_address": "\(configuration.http.maximumConnectionsPerAddress)",
            "process.open_file_limit": "\(openFileLimit.map(String.init) ?? "unknown")",
        ])
    return HTTPConnectionCounter(maximumConnections: maximum, maximumPerAddress: configuration.http.maximumConnectionsPerAddress)
}

/// The routes that belong to no dialect: health, readiness and metrics.
/// - Parameter isReady: whether the node should be given traffic (`/ready`): on PostgreSQL, once it listens to the
///   other nodes.
func buildRouter(metrics: PrometheusCollectorRegistry, isReady: @escaping @Sendable () -> Bool = { true }) -> Router<NimbusRequestContext> {
    let router = Router(context: NimbusRequestContext.self)
    router.add(middleware: MetricsMiddleware())
    router.add(middleware: RequestLogMiddleware(.debug))
    router.get("health") { _, _ in
        // Routes are served only after migrations ran and the listener is up, so answering is the check.
        Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: #"{"status":"ok"}"#)))
    }
    router.get("ready") { _, _ in
        // For a load balancer: a node that cannot hear the other nodes would miss their live messages.
        let ready = isReady()
        return Response(
            status: ready ? .ok : .serviceUnavailable, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(string: ready ? #"{"status":"ready"}"# : #"{"status":"not ready"}"#)))
    }
    router.get("metrics") { _, _ in
        Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
            body: .init(byteBuffer: ByteBuffer(bytes: metrics.emitToBuffer())))
    }
    return router
}

/// MODE's, Cayenne's and WiFi Motion's hooks, then anonymous access to one project if configured (it only takes clients
/// without a user name).
private func mqttHooks(
    _ configuration: ServerConfiguration, nimbus: Nimbus, broker: MQTTBroker, hubs: WiFiMotionHubLinks, logger: Logger
) -> [any MQTTHooks] {
    var hooks: [any MQTTHooks] = [
        ModeMQTTHooks(nimbus: nimbus, broker: broker), CayenneMQTTHooks(nimbus: nimbus, broker: broker), WiFiMotionMQTTHooks(nimbus: nimbus, links: hubs),
    ]
    if let project = configuration.mqttAnonymousProject {
        logger.warning(
            "MQTT clients without credentials are let into a project's topics (--mqtt-anonymous-project): for development only",
            metadata: ["project.id": "\(project)"])
        hooks.append(MQTTAnonymousHooks(mountPoint: ModeMQTTTopics.mountPoint(project: project)))
    }
    return hooks
}

/// The plain MQTT port, and the TLS one when `--mqtts-port` is given, both bound now so that start-up fails on a
/// taken port.
private func mqttListeners(
    _ configuration: ServerConfiguration, server: MQTTServer, tls: NIOSSLContext?, logger: Logger
) async throws -> [any Service] {
    var listeners: [any Service] = [
        try await MQTTListener.bind(server: server, host: configuration.bind, port: configuration.mqttPort, logger: logger)
    ]
    if let port = configuration.mqttsPort, let tls {
        listeners.append(try await MQTTListener.bind(server: server, host: configuration.bind, port: port, tls: tls, logger: logger))
    }
    return listeners
}

/// The TLS context of `--mqtts-port`, from `--tls-cert` and `--tls-key`.
private func mqttTLSContext(_ configuration: ServerConfiguration) throws -> NIOSSLContext? {
    guard let port = configuration.mqttsPort else { return nil }
    guard let certificate = configuration.tlsCertificate, let key = configuration.tlsKey else {
        throw ConfigurationError.invalid("mqtts-port", "\(port) (it needs --tls-cert and --tls-key)")
    }
    do {
        let tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(certificate).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: key, format: .pem)))
        return try NIOSSLContext(configuration: tls)
    } catch {
        throw ConfigurationError.invalid("tls-cert/tls-key", "\(certificate), \(key): \(error)")
    }
}

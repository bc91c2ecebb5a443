import ArgumentParser
import Hummingbird
import Logging
import Metrics
import NimbusServer
import Prometheus

/// `nimbus serve`: runs every listener until SIGTERM or SIGINT (after `--drain-delay`, see `ServerDrain`).
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Run the Nimbus server.", discussion: ServerSetting.helpText)

    @OptionGroup var store: StoreOptions

    func run() async throws {
        let configuration = try store.resolve()
        LoggingSystem.bootstrap { label in
            var handler = DeferredMetadataLogHandler.standardError(label: label)
            handler.logLevel = configuration.logLevel
            return handler
        }
        // swift-metrics is bootstrapped once per process, here, before any metric is made; /metrics serves it.
        let metrics = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: metrics))
        let logger = Logger(label: "nimbus")
        let drain = ServerDrain(delay: .seconds(configuration.drainDelay))
        let app = try await buildApplication(configuration: configuration, logger: logger, metrics: metrics, drain: drain) { port in
            logger.info("Nimbus is ready", metadata: ["http.port": "\(port)", "data": "\(configuration.databaseURL == nil ? configuration.dataDirectory : "postgres")"])
        }
        try await drain.run(app, logger: logger)
    }
}

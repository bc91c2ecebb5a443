import ArgumentParser
import Hummingbird
import Logging
import NimbusServer

/// `nimbus serve`: runs every listener until SIGTERM or SIGINT.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Run the Nimbus server.")

    @OptionGroup var store: StoreOptions
    @Option(name: .customLong("http-port"), help: "HTTP port for every dialect, WebSockets, /health and /metrics (default 8080).") var httpPort: String?
    @Option(name: .customLong("mqtt-port"), help: "MQTT port (default 1883).") var mqttPort: String?
    @Option(name: .customLong("bind"), help: "Address to listen on (default 127.0.0.1).") var bind: String?
    @Option(name: .customLong("public-url"), help: "The URL clients reach the server at, used in email links.") var publicURL: String?
    @Option(name: .customLong("smtp-url"), help: "smtp://[user:pass@]host:port (STARTTLS when offered) or smtps://…") var smtpURL: String?
    @Option(name: .customLong("smtp-ca"), help: "PEM file of extra CA certificates to trust for the SMTP server.") var smtpCA: String?
    @Option(name: .customLong("mail-from"), help: "The From address of emails.") var mailFrom: String?
    @Option(name: .customLong("sms-url"), help: "http(s)://[user:pass@]host/path of an SMS gateway taking To, From, Body.") var smsURL: String?
    @Option(name: .customLong("sms-from"), help: "The sender of text messages.") var smsFrom: String?
    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical (default info).") var logLevel: String?

    func run() async throws {
        var flags: [String: String] = [:]
        flags["http-port"] = httpPort
        flags["mqtt-port"] = mqttPort
        flags["bind"] = bind
        flags["public-url"] = publicURL
        flags["smtp-url"] = smtpURL
        flags["smtp-ca"] = smtpCA
        flags["mail-from"] = mailFrom
        flags["sms-url"] = smsURL
        flags["sms-from"] = smsFrom
        flags["log-level"] = logLevel
        let configuration = try store.resolve(adding: flags)
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = configuration.logLevel
            return handler
        }
        let logger = Logger(label: "nimbus")
        let app = try await buildApplication(configuration: configuration, logger: logger) { port in
            logger.info("Nimbus is ready", metadata: ["http.port": "\(port)", "data": "\(configuration.databaseURL == nil ? configuration.dataDirectory : "postgres")"])
        }
        try await app.runService()
    }
}

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
    @Option(name: .customLong("mqtts-port"), help: "MQTT over TLS port (off unless given; needs --tls-cert and --tls-key).") var mqttsPort: String?
    @Option(name: .customLong("tls-cert"), help: "PEM certificate chain for the TLS listeners.") var tlsCert: String?
    @Option(name: .customLong("tls-key"), help: "PEM private key for the TLS listeners.") var tlsKey: String?
    @Option(name: .customLong("mqtt-anonymous-project"), help: "Let MQTT clients without credentials into this project's topics (development only).") var mqttAnonymousProject: String?
    @Option(name: .customLong("mqtt-max-packet-size"), help: "Largest MQTT packet accepted, in bytes (default 1048576).") var mqttMaxPacketSize: String?
    @Option(name: .customLong("mqtt-max-inflight"), help: "QoS 1/2 messages in flight to one client (default 100).") var mqttMaxInflight: String?
    @Option(name: .customLong("mqtt-max-queued"), help: "QoS 1/2 messages kept for an offline session; the oldest go first (default 1000).") var mqttMaxQueued: String?
    @Option(name: .customLong("mqtt-max-queued-bytes"), help: "Payload bytes kept queued for one session; the oldest go first (default 16777216).") var mqttMaxQueuedBytes: String?
    @Option(name: .customLong("mqtt-max-persistent-sessions"), help: "Persistent MQTT sessions per device or project key (default 10).") var mqttMaxPersistentSessions: String?
    @Option(name: .customLong("mqtt-max-retained-messages"), help: "Retained MQTT messages per project (default 10000).") var mqttMaxRetainedMessages: String?
    @Option(name: .customLong("mqtt-max-retained-bytes"), help: "Retained MQTT payload bytes per project (default 67108864).") var mqttMaxRetainedBytes: String?
    @Option(name: .customLong("mqtt-max-client-retained-messages"), help: "Retained MQTT messages per device or project key (default 1000).") var mqttMaxClientRetainedMessages: String?
    @Option(name: .customLong("mqtt-max-client-retained-bytes"), help: "Retained MQTT payload bytes per device or project key (default 8388608).") var mqttMaxClientRetainedBytes: String?
    @Option(name: .customLong("mqtt-max-retained-total-bytes"), help: "Retained MQTT payload bytes of the whole server (default 1073741824).") var mqttMaxRetainedTotalBytes: String?
    @Option(name: .customLong("mqtt-receive-maximum"), help: "PUBLISH packets of one client being stored at once (default 100).") var mqttReceiveMaximum: String?
    @Option(name: .customLong("mqtt-max-connections"), help: "Open MQTT connections at once (default 100000).") var mqttMaxConnections: String?
    @Option(name: .customLong("mqtt-connection-rate"), help: "New MQTT connections per second (default 1000).") var mqttConnectionRate: String?
    @Option(name: .customLong("mqtt-connection-rate-per-address"), help: "New MQTT connections per second from one IP address (default 50).") var mqttConnectionRatePerAddress: String?
    @Option(name: .customLong("mqtt-max-unauthenticated"), help: "MQTT connections not yet authenticated, at once (default 5000).") var mqttMaxUnauthenticated: String?
    @Option(name: .customLong("mqtt-max-unauthenticated-per-address"), help: "MQTT connections not yet authenticated from one IP address (default 100).") var mqttMaxUnauthenticatedPerAddress: String?
    @Option(name: .customLong("mqtt-max-connect-size"), help: "Largest MQTT CONNECT accepted, in bytes (default 8192).") var mqttMaxConnectSize: String?
    @Option(name: .customLong("mqtt-connect-timeout"), help: "Seconds a new MQTT connection may take to send CONNECT (default 5).") var mqttConnectTimeout: String?
    @Option(name: .customLong("bind"), help: "Address to listen on (default 127.0.0.1).") var bind: String?
    @Option(name: .customLong("http-head-timeout"), help: "Seconds an HTTP request head may take (default 20).") var httpHeadTimeout: String?
    @Option(name: .customLong("http-idle-timeout"), help: "Seconds an idle keep-alive HTTP connection stays open (default 60).") var httpIdleTimeout: String?
    @Option(name: .customLong("http-max-head-size"), help: "Largest HTTP request line plus headers, in bytes (default 16384).") var httpMaxHeadSize: String?
    @Option(name: .customLong("http-max-connections"), help: "Open HTTP connections at once (default: 10000, at most a quarter of the open-file limit).") var httpMaxConnections: String?
    @Option(name: .customLong("http-max-connections-per-address"), help: "Open HTTP connections from one IPv4 address or IPv6 /64 (default 100).") var httpMaxConnectionsPerAddress: String?
    @Option(name: .customLong("public-url"), help: "The URL clients reach the server at, used in email links.") var publicURL: String?
    @Option(name: .customLong("smtp-url"), help: "smtp://[user:pass@]host:port (STARTTLS when offered) or smtps://…") var smtpURL: String?
    @Option(name: .customLong("smtp-ca"), help: "PEM file of extra CA certificates to trust for the SMTP server.") var smtpCA: String?
    @Option(name: .customLong("mail-from"), help: "The From address of emails.") var mailFrom: String?
    @Option(name: .customLong("sms-url"), help: "http(s)://[user:pass@]host/path of an SMS gateway taking To, From, Body.") var smsURL: String?
    @Option(name: .customLong("sms-from"), help: "The sender of text messages.") var smsFrom: String?
    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical (default info).") var logLevel: String?

    @Option(name: .customLong("access-token-lifetime"), help: "Seconds an OAuth access token is valid (default 900).") var accessTokenLifetime: String?
    @Option(name: .customLong("sign-in-max-failures"), help: "Failed sign-ins per account before its sign-in is refused (default 10).") var signInMaxFailures: String?
    @Option(name: .customLong("sign-in-max-failures-per-address"), help: "Failed sign-ins from one client address before its sign-ins are refused (default 10).") var signInMaxFailuresPerAddress: String?
    @Option(name: .customLong("sign-in-lockout"), help: "Seconds after the last failed sign-in until the failures are forgotten (default 900).") var signInLockout: String?
    @Option(name: .customLong("message-limit-per-target"), help: "SMS codes and emails to one phone number or email address per window (default 10).") var messageLimitPerTarget: String?
    @Option(name: .customLong("message-limit-per-address"), help: "SMS codes and emails asked for from one client address per window (default 100).") var messageLimitPerAddress: String?
    @Option(name: .customLong("message-limit-window"), help: "The window of the message limits, in seconds (default 3600).") var messageLimitWindow: String?
    @Option(name: .customLong("sms-code-max-failures"), help: "Wrong SMS codes per phone number per message window (default 5).") var smsCodeMaxFailures: String?

    func run() async throws {
        var flags: [String: String] = [:]
        flags["http-port"] = httpPort
        flags["mqtt-port"] = mqttPort
        flags["mqtts-port"] = mqttsPort
        flags["tls-cert"] = tlsCert
        flags["tls-key"] = tlsKey
        flags["mqtt-anonymous-project"] = mqttAnonymousProject
        flags["mqtt-max-packet-size"] = mqttMaxPacketSize
        flags["mqtt-max-inflight"] = mqttMaxInflight
        flags["mqtt-max-queued"] = mqttMaxQueued
        flags["mqtt-max-queued-bytes"] = mqttMaxQueuedBytes
        flags["mqtt-max-persistent-sessions"] = mqttMaxPersistentSessions
        flags["mqtt-max-retained-messages"] = mqttMaxRetainedMessages
        flags["mqtt-max-retained-bytes"] = mqttMaxRetainedBytes
        flags["mqtt-max-client-retained-messages"] = mqttMaxClientRetainedMessages
        flags["mqtt-max-client-retained-bytes"] = mqttMaxClientRetainedBytes
        flags["mqtt-max-retained-total-bytes"] = mqttMaxRetainedTotalBytes
        flags["mqtt-receive-maximum"] = mqttReceiveMaximum
        flags["mqtt-max-connections"] = mqttMaxConnections
        flags["mqtt-connection-rate"] = mqttConnectionRate
        flags["mqtt-connection-rate-per-address"] = mqttConnectionRatePerAddress
        flags["mqtt-max-unauthenticated"] = mqttMaxUnauthenticated
        flags["mqtt-max-unauthenticated-per-address"] = mqttMaxUnauthenticatedPerAddress
        flags["mqtt-max-connect-size"] = mqttMaxConnectSize
        flags["mqtt-connect-timeout"] = mqttConnectTimeout
        flags["bind"] = bind
        flags["http-head-timeout"] = httpHeadTimeout
        flags["http-idle-timeout"] = httpIdleTimeout
        flags["http-max-head-size"] = httpMaxHeadSize
        flags["http-max-connections"] = httpMaxConnections
        flags["http-max-connections-per-address"] = httpMaxConnectionsPerAddress
        flags["public-url"] = publicURL
        flags["smtp-url"] = smtpURL
        flags["smtp-ca"] = smtpCA
        flags["mail-from"] = mailFrom
        flags["sms-url"] = smsURL
        flags["sms-from"] = smsFrom
        flags["log-level"] = logLevel
        flags["access-token-lifetime"] = accessTokenLifetime
        flags["sign-in-max-failures"] = signInMaxFailures
        flags["sign-in-max-failures-per-address"] = signInMaxFailuresPerAddress
        flags["sign-in-lockout"] = signInLockout
        flags["message-limit-per-target"] = messageLimitPerTarget
        flags["message-limit-per-address"] = messageLimitPerAddress
        flags["message-limit-window"] = messageLimitWindow
        flags["sms-code-max-failures"] = smsCodeMaxFailures
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

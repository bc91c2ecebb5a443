import Logging
import NimbusCore
import NimbusHTTP
import NimbusMQTT

extension ServerSetting {
    /// Every setting, in the order `--help` and the README list them. Adding a setting is adding a line here
    /// (and the property it sets); the README's table is then regenerated with `nimbus settings`.
    public static let all: [ServerSetting] = storage + listeners + mqttLimits + httpLimits + liveLimits + messaging + identity + cayenneLimits

    static let storage: [ServerSetting] = [
        .text("data-dir", \.dataDirectory, help: "SQLite database (WAL; a write is answered once flushed to disk)"),
        .optionalText("database", \.databaseURL, secret: true, help: "`postgres://user:pass@host:port/db` to use PostgreSQL instead"),
        .optionalText("secrets-key-file", \.secretsKeyFile, default: "`<data-dir>/secrets.key`",
                      help: "32-byte key that seals the secrets shown again (accounts' MQTT passwords); made at first start; share it between nodes"),
        .number("reading-retention-interval", \.readingRetentionInterval, in: 1...86_400,
                help: "seconds between passes that delete readings older than their project keeps them (`nimbus project retention`)"),
    ]

    static let listeners: [ServerSetting] = [
        .number("http-port", \.httpPort, in: 0...65_535, help: "every dialect, WebSockets, `/health`, `/metrics`"),
        .number("mqtt-port", \.mqttPort, in: 0...65_535,
                help: "the MQTT broker (3.1, 3.1.1, 5); MQTT over WebSocket is at `/mqtt` on the HTTP port"),
        .optionalNumber("mqtts-port", \.mqttsPort, in: 0...65_535, help: "MQTT over TLS, with `--tls-cert` and `--tls-key` (PEM files)"),
        .optionalText("tls-cert", \.tlsCertificate, help: "PEM certificate chain for the TLS listeners"),
        .optionalText("tls-key", \.tlsKey, help: "PEM private key for the TLS listeners"),
        .optionalNumber("mqtt-anonymous-project", \.mqttAnonymousProject,
                        help: "let MQTT clients without credentials into this project's topics (development only)"),
        .text("bind", \.bind, help: "`0.0.0.0` to listen on every interface"),
        .optionalText("public-url", \.publicURL, default: "`http://<bind>:<port>`",
                      help: "base of the links in emails and of the OAuth issuer (`<url>/cayenne`); `https://` makes the sign-in cookies `Secure`"),
    ]

    static let mqttLimits: [ServerSetting] = [
        .number("mqtt-max-packet-size", \.mqtt.maximumPacketSize, in: 16...MQTTFrameDecoder.largestPossiblePacketSize,
                help: "largest MQTT packet accepted (bytes, fixed header included); announced to MQTT 5 clients"),
        .number("mqtt-max-inflight", \.mqtt.maximumInFlight, in: 1...65_535,
                help: "QoS 1/2 messages sent to one client and not yet acknowledged"),
        .number("mqtt-max-queued", \.mqtt.maximumQueuedMessages,
                help: "QoS 1/2 messages kept per MQTT session while its client is away or slow; then the oldest are dropped"),
        .number("mqtt-max-queued-bytes", \.mqtt.maximumQueuedBytes, help: "payload bytes of those messages, in memory and in the store"),
        ServerSetting("mqtt-receive-maximum", default: "`\(ServerConfiguration().mqtt.receiveMaximum)`",
                      help: "publications of one MQTT client being stored at once; announced to MQTT 5 clients") { configuration, value in
            configuration.mqtt.receiveMaximum = UInt16(try whole(value, in: 1...65_535, key: "mqtt-receive-maximum"))
        },
        .number("mqtt-max-persistent-sessions", \.mqtt.maximumPersistentSessionsPerClient,
                help: "persistent MQTT sessions per device or project key; one more is refused with `0x97`"),
        .number("mqtt-max-retained-messages", \.mqtt.retainedQuota.messagesPerProject, help: "retained MQTT messages per project"),
        .number("mqtt-max-retained-bytes", \.mqtt.retainedQuota.bytesPerProject, help: "retained MQTT payload bytes per project"),
        .number("mqtt-max-client-retained-messages", \.mqtt.retainedQuota.messagesPerClient,
                help: "retained MQTT messages per device or project key"),
        .number("mqtt-max-client-retained-bytes", \.mqtt.retainedQuota.bytesPerClient,
                help: "retained MQTT payload bytes per device or project key"),
        .number("mqtt-max-retained-total-bytes", \.mqtt.retainedQuota.bytesInTotal,
                help: "retained MQTT payload bytes of the whole server (the memory they may take)"),
        .number("mqtt-max-connections", \.mqtt.maximumConnections,
                help: "open MQTT connections; one more gets CONNACK `0x89 Server busy`"),
        .number("mqtt-connection-rate", \.mqtt.connectionsPerSecond,
                help: "new MQTT connections per second, everyone together; past it CONNACK `0x9F`"),
        .number("mqtt-connection-rate-per-address", \.mqtt.connectionsPerSecondPerAddress,
                help: "new MQTT connections per second from one IP address; past it they are closed at once"),
        .number("mqtt-max-unauthenticated", \.mqtt.maximumUnauthenticatedConnections,
                help: "MQTT connections whose client is not authenticated yet"),
        .number("mqtt-max-unauthenticated-per-address", \.mqtt.maximumUnauthenticatedConnectionsPerAddress,
                help: "the same, from one IP address"),
        .number("mqtt-max-connect-size", \.mqtt.maximumConnectPacketSize, in: 64...MQTTFrameDecoder.largestPossiblePacketSize,
                help: "the largest MQTT CONNECT, the only packet read before authentication"),
        .seconds("mqtt-connect-timeout", \.mqtt.connectTimeout, help: "seconds a new MQTT connection has to send CONNECT"),
    ]

    static let httpLimits: [ServerSetting] = [
        .seconds("http-head-timeout", \.http.headTimeout,
                 help: "seconds a request head may take (from the connection's start, or its first byte on a kept-alive connection); then `408` and close"),
        .seconds("http-idle-timeout", \.http.idleTimeout,
                 help: "seconds a keep-alive HTTP connection may sit idle, or a request body stall, before it is closed (not WebSockets)"),
        .number("http-max-head-size", \.http.maximumHeadSize, in: 1_024...(1 << 20),
                help: "bytes of request line plus header fields; larger heads get `431` and close"),
        .optionalNumber("http-max-connections", \.http.maximumConnections, default: "`10000`, at most ¼ of the open-file limit",
                        help: "open HTTP and WebSocket connections at once; past it new ones are closed at accept"),
        .number("http-max-connections-per-address", \.http.maximumConnectionsPerAddress,
                help: "open HTTP and WebSocket connections from one IPv4 address or IPv6 /64 (raise it behind a reverse proxy)"),
    ]

    static let liveLimits: [ServerSetting] = [
        .number("live-subscriber-queue", \.liveSubscriberQueue, in: 1...1_000_000,
                help: "messages one live subscriber (a user's WebSocket, a device's channel) may fall behind before its stream is ended and its connection closed"),
        .number("live-subscriber-queue-bytes", \.liveSubscriberQueueBytes, in: (2 << 20)...(1 << 30),
                help: "the bytes of those messages (at least 2 MiB: more than the largest event or command)"),
        .number("live-publish-queue", \.livePublishQueue, in: 1...1_000_000,
                help: "batches of stored events waiting for their live audience to be read; past it live copies are dropped (the events are stored)"),
        .number("bus-outgoing-queue", \.busOutgoingQueue, in: 1...10_000_000,
                help: "live messages waiting to be sent to the other nodes on PostgreSQL; past it new ones reach this node's subscribers only"),
        .number("bus-outgoing-queue-bytes", \.busOutgoingQueueBytes, in: (2 << 20)...(1 << 30),
                help: "the bytes of those messages (at least 2 MiB: more than the largest event)"),
        .number("node-heartbeat-interval", \.nodeHeartbeatInterval, in: 1...3_600,
                help: "seconds between a server's heartbeats on PostgreSQL; the devices of a server silent for three show offline"),
        .number("drain-delay", \.drainDelay, in: 0...3_600,
                help: "seconds a stopping server keeps serving with `/ready` at 503 before it shuts down, for a load balancer to move new clients elsewhere (0: stop at once)"),
    ]

    static let messaging: [ServerSetting] = [
        .optionalText("smtp-url", \.smtpURL, default: "— (log)", secret: true,
                      help: "`smtp://[user:pass@]host:port` (STARTTLS when offered) or `smtps://`; credentials are sent only over TLS, or to a loopback relay"),
        .optionalText("smtp-ca", \.smtpCA, help: "PEM file of CA certificates to trust for the SMTP server, besides the system's"),
        .text("mail-from", \.mailFrom, help: "the From address of emails"),
        .text("http-push-allow", \.httpPushAllow, default: "—",
              help: "address ranges (`10.0.0.0/8,::1/128`) rules' and jobs' `http_push` may reach although loopback, private or the server's own"),
        .optionalText("sms-url", \.smsURL, default: "— (log)", secret: true,
                      help: "`http(s)://[user:pass@]host/path`: form POST `To`, `From`, `Body`, basic auth from the URL"),
        .text("sms-from", \.smsFrom, help: "the sender of text messages"),
        .number("message-limit-per-target", \.messageLimitPerTarget, in: 1...1_000,
                help: "SMS codes and emails (verification, reset, invitation) to one phone number or email address per window; more answer `429`"),
        .number("message-limit-per-address", \.messageLimitPerAddress, in: 1...1_000_000,
                help: "SMS codes and emails asked for from one client address per window"),
        .number("message-limit-window", \.messageLimitWindow, in: 60...86_400,
                help: "the window of the message limits and of the SMS code budget, in seconds"),
        .number("sms-code-max-failures", \.smsCodeMaxFailures, in: 1...100,
                help: "wrong SMS codes for one number per window, across every code sent to it"),
    ]

    static let identity: [ServerSetting] = [
        ServerSetting("log-level", default: "`info`", help: "trace, debug, info, notice, warning, error or critical") { configuration, value in
            guard let level = Logger.Level(rawValue: value.lowercased()) else { throw ConfigurationError.invalid("log-level", value) }
            configuration.logLevel = level
        },
        .number("access-token-lifetime", \.accessTokenLifetime, in: 30...86_400,
                help: "seconds an OAuth access token (JWT) is valid; revoking its sign-in ends it within a minute regardless"),
        .optionalText("cayenne-default-app", \.cayenneDefaultApp,
                      help: "app id that Cayenne password grants and sign-ups without `client_id` belong to (real clients send none)"),
        .text("wifimotion-project", \.wifiMotionProject,
              help: "name of the project WiFi Motion's users, networks and sensors live in; made at start (email accounts) when none has it"),
        .text("console-project", \.consoleProject,
              help: "name of the project whose accounts sign in to the web console at `/console`; made at start (email accounts) when none has it"),
        ServerSetting("console-tile-url", default: "—",
                      help: "map tile template for the console's map, `https://…/{z}/{x}/{y}.png`; without it tracks draw on a plain background") { configuration, value in
            let isTemplate = (value.hasPrefix("https://") || value.hasPrefix("http://")) && ["{z}", "{x}", "{y}"].allSatisfy(value.contains)
            guard value.isEmpty || isTemplate else { throw ConfigurationError.invalid("console-tile-url", value) }
            configuration.consoleTileURL = value.isEmpty ? nil : value
        },
        .number("cayenne-command-lifetime", \.cayenneCommandLifetime, in: 1...604_800,
                help: "seconds a Cayenne command waits for its thing to connect and answer before it times out"),
        .number("sign-in-max-failures", \.signInMaxFailures, in: 1...1_000,
                help: "failed password or code sign-ins of one account (project + email or number) before its sign-in answers `429`"),
        .number("sign-in-max-failures-per-address", \.signInMaxFailuresPerAddress, in: 1...1_000_000,
                help: "failed sign-ins from one client address, on any accounts, before its sign-ins answer `429` (raise it behind a NAT many users share)"),
        .number("sign-in-lockout", \.signInLockout, in: 1...86_400, help: "seconds after the last failure until the failures are forgotten"),
    ]

    /// What one Cayenne account can make the server hold (`ThingLimits`; the reasons are in `docs/cayenne.md`).
    static let cayenneLimits: [ServerSetting] = [
        .number("cayenne-max-things", \.thingLimits.thingsPerAccount, in: 1...10_000_000,
                help: "things of one Cayenne account, channel sensors and deactivated things included; one more answers `409 limit_reached`"),
        .number("cayenne-max-channels", \.thingLimits.channelsPerThing, in: 1...65_536,
                help: "channels one thing reports on (each is a child thing); readings of one more are refused"),
        .number("cayenne-max-readings-per-message", \.thingLimits.readingsPerMessage, in: 1...10_000,
                help: "readings in one MQTT message, HTTP push or LoRaWAN frame"),
        .number("cayenne-max-thing-types", \.thingLimits.typesPerAccount, in: 1...1_000_000, help: "thing types one account defines"),
        .number("cayenne-max-type-channels", \.thingLimits.channelsPerType, in: 1...65_536, help: "channels of one thing type"),
        .number("cayenne-max-properties-bytes", \.thingLimits.propertiesBytes, in: 256...(1 << 20),
                help: "bytes of a thing's or a type's `properties` as JSON"),
        .number("cayenne-max-registry-entries", \.thingLimits.registryEntriesPerAccount, in: 1...100_000_000,
                help: "registry entries one account has provisioned (at most 500 per request, the vendor's limit)"),
        .number("cayenne-max-waiting-commands", \.thingLimits.waitingCommandsPerThing, in: 1...10_000,
                help: "commands waiting for one thing (offline, or not answered yet); one more answers `409 limit_reached`"),
        .number("cayenne-kept-commands", \.thingLimits.commandsKeptPerThing, in: 1...100_000,
                help: "finished commands kept per thing for the status API; older ones are forgotten"),
        .number("cayenne-max-rules", \.thingLimits.rulesPerAccount, in: 1...1_000_000,
                help: "rules (alerts included) of one Cayenne account; one more answers `409 limit_reached`"),
        .number("cayenne-notifications-per-minute", \.thingLimits.notificationsPerMinute, in: 0...100_000,
                help: "emails and texts one account's rules and jobs may send per minute; more are logged as skipped"),
        .number("cayenne-http-push-per-minute", \.thingLimits.httpPushesPerMinute, in: 0...100_000,
                help: "HTTP pushes one account's rules and jobs may send per minute; more are logged as skipped"),
        .number("cayenne-max-jobs", \.thingLimits.jobsPerAccount, in: 1...1_000_000,
                help: "scheduled jobs of one Cayenne account; one more answers `409 limit_reached`"),
        .number("cayenne-kept-rule-logs", \.thingLimits.logsKeptPerRule, in: 1...1_000_000,
                help: "firings kept in each rule's log, and runs in each job's; older ones are forgotten"),
        .number("cayenne-rule-notification-interval", \.thingLimits.ruleNotificationInterval, in: 0...86_400,
                help: "seconds after a rule's email or SMS before its next firing may send another"),
    ]
}

import Foundation
import Logging
import NimbusCore
import NimbusHTTP
import NimbusMQTT

/// Everything `nimbus serve` and the admin commands can be told. Each setting comes from, in order of
/// priority: a command-line flag (`--http-port`), the environment (`NIMBUS_HTTP_PORT`), the JSON
/// config file (`{"http-port": 8080}`, given with `--config` or `NIMBUS_CONFIG`), then the default.
public struct ServerConfiguration: Sendable, Equatable {
    public var dataDirectory = "./nimbus-data"
    public var databaseURL: String?
    public var httpPort = 8080
    public var mqttPort = 1883
    /// MQTT over TLS; needs `tlsCertificate` and `tlsKey`. Off when `nil`.
    public var mqttsPort: Int?
    /// PEM certificate chain and private key for the TLS listeners.
    public var tlsCertificate: String?
    public var tlsKey: String?
    /// Lets clients without credentials into this project's MQTT topic tree (development only).
    public var mqttAnonymousProject: Int?
    /// The broker's limits (`--mqtt-max-packet-size` and friends).
    public var mqtt = MQTTServerSettings()
    public var bind = "127.0.0.1"
    /// Timeouts, head size and connection counts of the HTTP listener (`--http-head-timeout` and friends).
    public var http = HTTPConnectionLimits()
    public var publicURL: String?
    public var smtpURL: String?
    /// A PEM file of CA certificates trusted, besides the system's, for the SMTP server's certificate.
    public var smtpCA: String?
    public var mailFrom = "Nimbus <nimbus@localhost>"
    public var smsURL: String?
    public var smsFrom = "Nimbus"
    public var logLevel = Logger.Level.info
    /// How long an OAuth access token (a JWT) is valid, in seconds.
    public var accessTokenLifetime = 900
    /// Failed password or code sign-ins per account before sign-in is refused.
    public var signInMaxFailures = 10
    /// Failed sign-ins from one client address, on any accounts, before its sign-ins are refused.
    public var signInMaxFailuresPerAddress = 10
    /// Seconds after the last failure until the count of failed sign-ins is forgotten.
    public var signInLockout = 900
    /// SMS codes and emails sent to one phone number or email address per message window.
    public var messageLimitPerTarget = 10
    /// SMS codes and emails asked for from one client address per message window.
    public var messageLimitPerAddress = 100
    /// The message window, in seconds.
    public var messageLimitWindow = 3600
    /// Wrong SMS codes for one phone number per message window, across every code sent to it.
    public var smsCodeMaxFailures = 5

    public init() {}

    /// The keys every source uses, as flags spell them.
    public static let keys = [
        "data-dir", "database", "http-port", "mqtt-port", "mqtts-port", "tls-cert", "tls-key", "mqtt-anonymous-project",
        "mqtt-max-packet-size", "mqtt-max-inflight", "mqtt-max-queued", "mqtt-max-queued-bytes",
        "mqtt-max-persistent-sessions", "mqtt-max-retained-messages", "mqtt-max-retained-bytes",
        "mqtt-max-client-retained-messages", "mqtt-max-client-retained-bytes", "mqtt-max-retained-total-bytes",
        "mqtt-receive-maximum", "mqtt-max-connections",
        "mqtt-connection-rate", "mqtt-connection-rate-per-address", "mqtt-max-unauthenticated",
        "mqtt-max-unauthenticated-per-address", "mqtt-max-connect-size", "mqtt-connect-timeout",
        "bind", "http-head-timeout", "http-idle-timeout", "http-max-head-size", "http-max-connections",
        "http-max-connections-per-address", "public-url", "smtp-url", "smtp-ca", "mail-from", "sms-url", "sms-from", "log-level",
        "access-token-lifetime", "sign-in-max-failures", "sign-in-max-failures-per-address", "sign-in-lockout",
        "message-limit-per-target", "message-limit-per-address", "message-limit-window", "sms-code-max-failures",
    ]

    /// The base of the links Nimbus puts in emails.
    public var effectivePublicURL: String {
        publicURL ?? "http://\(bind == "0.0.0.0" ? "127.0.0.1" : bind):\(httpPort)"
    }

    /// Resolves the configuration from its three sources.
    /// - Parameters:
    ///   - flags: values given on the command line, by key (`http-port`), only those that were given.
    ///   - environment: the process environment.
    ///   - configFile: a JSON file path; when `nil`, `NIMBUS_CONFIG` names it, if set.
    public static func resolve(flags: [String: String], environment: [String: String], configFile: String? = nil) throws -> ServerConfiguration {
        var file: [String: String] = [:]
        if let path = configFile ?? environment["NIMBUS_CONFIG"] {
            file = try readFile(path)
        }
        var configuration = ServerConfiguration()
        for key in keys {
            let envName = "NIMBUS_" + key.uppercased().replacingOccurrences(of: "-", with: "_")
            guard let value = flags[key] ?? environment[envName] ?? file[key] else { continue }
            try configuration.set(key, value)
        }
        return configuration
    }

    private mutating func set(_ key: String, _ value: String) throws {
        func port() throws -> Int {
            guard let port = Int(value), (0...65535).contains(port) else { throw ConfigurationError.invalid(key, value) }
            return port
        }
        func positive(_ range: ClosedRange<Int> = 1...Int.max) throws -> Int {
            guard let number = Int(value), range.contains(number) else { throw ConfigurationError.invalid(key, value) }
            return number
        }
        let optional = value.isEmpty ? nil : value
        switch key {
        case "data-dir": dataDirectory = value
        case "database": databaseURL = optional
        case "http-port": httpPort = try port()
        case "mqtt-port": mqttPort = try port()
        case "mqtts-port": mqttsPort = optional == nil ? nil : try port()
        case "tls-cert": tlsCertificate = optional
        case "tls-key": tlsKey = optional
        case "mqtt-anonymous-project": mqttAnonymousProject = optional == nil ? nil : try positive()
        case "mqtt-max-packet-size": mqtt.maximumPacketSize = try positive(16...MQTTFrameDecoder.largestPossiblePacketSize)
        case "mqtt-max-inflight": mqtt.maximumInFlight = try positive(1...65_535)
        case "mqtt-max-queued": mqtt.maximumQueuedMessages = try positive()
        case "mqtt-max-queued-bytes": mqtt.maximumQueuedBytes = try positive()
        case "mqtt-max-persistent-sessions": mqtt.maximumPersistentSessionsPerClient = try positive()
        case "mqtt-max-retained-messages": mqtt.retainedQuota.messagesPerProject = try positive()
        case "mqtt-max-retained-bytes": mqtt.retainedQuota.bytesPerProject = try positive()
        case "mqtt-max-client-retained-messages": mqtt.retainedQuota.messagesPerClient = try positive()
        case "mqtt-max-client-retained-bytes": mqtt.retainedQuota.bytesPerClient = try positive()
        case "mqtt-max-retained-total-bytes": mqtt.retainedQuota.bytesInTotal = try positive()
        case "mqtt-receive-maximum": mqtt.receiveMaximum = UInt16(try positive(1...65_535))
        case "mqtt-max-connections": mqtt.maximumConnections = try positive()
        case "mqtt-connection-rate": mqtt.connectionsPerSecond = try positive()
        case "mqtt-connection-rate-per-address": mqtt.connectionsPerSecondPerAddress = try positive()
        case "mqtt-max-unauthenticated": mqtt.maximumUnauthenticatedConnections = try positive()
        case "mqtt-max-unauthenticated-per-address": mqtt.maximumUnauthenticatedConnectionsPerAddress = try positive()
        case "mqtt-max-connect-size": mqtt.maximumConnectPacketSize = try positive(64...MQTTFrameDecoder.largestPossiblePacketSize)
        case "mqtt-connect-timeout": mqtt.connectTimeout = .seconds(try positive(1...3_600))
        case "bind": bind = value
        case "http-head-timeout": http.headTimeout = .seconds(try positive(1...3_600))
        case "http-idle-timeout": http.idleTimeout = .seconds(try positive(1...3_600))
        case "http-max-head-size": http.maximumHeadSize = try positive(1_024...1 << 20)
        case "http-max-connections": http.maximumConnections = optional == nil ? nil : try positive()
        case "http-max-connections-per-address": http.maximumConnectionsPerAddress = try positive()
        case "public-url": publicURL = optional
        case "smtp-url": smtpURL = optional
        case "smtp-ca": smtpCA = optional
        case "mail-from": mailFrom = value
        case "sms-url": smsURL = optional
        case "sms-from": smsFrom = value
        case "log-level":
            guard let level = Logger.Level(rawValue: value.lowercased()) else { throw ConfigurationError.invalid(key, value) }
            logLevel = level
        case "access-token-lifetime": accessTokenLifetime = try positive(30...86_400)
        case "sign-in-max-failures": signInMaxFailures = try positive(1...1000)
        case "sign-in-max-failures-per-address": signInMaxFailuresPerAddress = try positive(1...1_000_000)
        case "sign-in-lockout": signInLockout = try positive(1...86_400)
        case "message-limit-per-target": messageLimitPerTarget = try positive(1...1000)
        case "message-limit-per-address": messageLimitPerAddress = try positive(1...1_000_000)
        case "message-limit-window": messageLimitWindow = try positive(60...86_400)
        case "sms-code-max-failures": smsCodeMaxFailures = try positive(1...100)
        default: throw ConfigurationError.unknownKey(key)
        }
    }

    private static func readFile(_ path: String) throws -> [String: String] {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ConfigurationError.unreadableFile(path)
        }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { throw ConfigurationError.unreadableFile(path) }
        var values: [String: String] = [:]
        for (key, value) in object {
            guard keys.contains(key) else { throw ConfigurationError.unknownKey(key) }
            values[key] = "\(value)"
        }
        return values
    }
}

public enum ConfigurationError: Error, CustomStringConvertible {
    case invalid(String, String)
    case unknownKey(String)
    case unreadableFile(String)

    public var description: String {
        switch self {
        case .invalid(let key, let value): "invalid value '\(value)' for \(key)"
        case .unknownKey(let key): "unknown configuration key '\(key)'"
        case .unreadableFile(let path): "cannot read the config file \(path) (it must be a JSON object)"
        }
    }
}

extension ServerConfiguration {
    /// The sign-in throttle's limits from `--sign-in-max-failures` and `--sign-in-lockout`.
    var signInLimits: SignInThrottle.Limits {
        var limits = SignInThrottle.Limits()
        limits.refuseAfter = signInMaxFailures
        limits.refuseAfterPerAddress = signInMaxFailuresPerAddress
        limits.window = .seconds(signInLockout)
        return limits
    }

    /// The message limits from `--message-limit-*` and `--sms-code-max-failures`.
    var messageLimits: MessageThrottle.Limits {
        var limits = MessageThrottle.Limits()
        limits.perTarget = messageLimitPerTarget
        limits.perAddress = messageLimitPerAddress
        limits.window = TimeInterval(messageLimitWindow)
        limits.smsCodeFailures = smsCodeMaxFailures
        return limits
    }
}

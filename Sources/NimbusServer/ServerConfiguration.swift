import Foundation
import Logging
import NimbusCore
import NimbusHTTP
import NimbusMQTT

/// Everything `nimbus serve` and the admin commands can be told. Each setting is declared once, in
/// `ServerSetting.all`, and comes from, in order of priority: a command-line flag (`--http-port`), the
/// environment (`NIMBUS_HTTP_PORT`), the JSON config file (`{"http-port": 8080}`, given with `--config` or
/// `NIMBUS_CONFIG`), then the default written here (`ServerConfiguration+Resolve.swift`).
public struct ServerConfiguration: Sendable, Equatable {
    public var dataDirectory = "./nimbus-data"
    public var databaseURL: String?
    /// The file of the key that seals secrets kept to be shown again; `<dataDirectory>/secrets.key` when `nil`.
    public var secretsKeyFile: String?
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
    /// Address ranges rules' and jobs' `http_push` may reach although they are private (`HTTPPushAddressPolicy`).
    public var httpPushAllow = ""
    public var smsURL: String?
    public var smsFrom = "Nimbus"
    public var logLevel = Logger.Level.info
    /// How long an OAuth access token (a JWT) is valid, in seconds: a working day, since Cayenne's clients sign in
    /// once and use their token for hours; revocation still takes effect within a minute (the session is checked).
    public var accessTokenLifetime = 43_200
    /// The app of Cayenne password grants and sign-ups that name no client.
    public var cayenneDefaultApp: String?
    /// The project of the WiFi Motion dialect, by name (`docs/wifimotion.md`).
    public var wifiMotionProject = "wifimotion"
    /// The project whose accounts sign in to the web console, by name (`docs/console.md`).
    public var consoleProject = "cayenne"
    /// The map tiles the console's map draws under tracks (`{z}`, `{x}`, `{y}` in the template); none by default.
    public var consoleTileURL: String?
    /// Seconds a Cayenne command waits for its thing to connect and answer.
    public var cayenneCommandLifetime = 300
    public var thingLimits = ThingLimits()
    /// Seconds between retention passes over old readings: hourly, since retention is counted in days.
    public var readingRetentionInterval = 3_600
    /// Messages one live subscriber (a WebSocket, a device's channel) may fall behind before its stream is ended.
    public var liveSubscriberQueue = 1024
    /// The bytes of those messages (`BusMessage.approximateSize`).
    public var liveSubscriberQueueBytes = 16 << 20
    /// Batches of stored events waiting for their live audience to be read before live copies are dropped.
    public var livePublishQueue = 1024
    /// Live messages waiting to be sent to the other nodes (PostgreSQL only) before new ones stay on this node.
    public var busOutgoingQueue = 65_536
    /// Their bytes (encoded).
    public var busOutgoingQueueBytes = 64 << 20
    /// Seconds between the heartbeats of a server sharing a PostgreSQL database; one silent for three is gone.
    public var nodeHeartbeatInterval = 5
    /// Seconds a server stopping keeps serving while `/ready` says 503, for its load balancer to notice.
    public var drainDelay = 0
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

    /// The base of the links Nimbus puts in emails.
    public var effectivePublicURL: String {
        publicURL ?? "http://\(bind == "0.0.0.0" ? "127.0.0.1" : bind):\(httpPort)"
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

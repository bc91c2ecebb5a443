import Foundation

/// One setting of `nimbus serve` and the admin commands, declared once (`ServerSetting.all`): its key, its
/// help, how its text is read into `ServerConfiguration`, and how its default is shown.
///
/// The key names it everywhere: the flag `--http-port`, the environment variable `NIMBUS_HTTP_PORT`, the config
/// file key `"http-port"`. `nimbus serve --help` and the README's settings table are made from these
/// declarations (a test fails when the README drifts), so a new setting is one declaration.
public struct ServerSetting: Sendable {
    public let key: String
    public let help: String
    /// The default as the README and `--help` show it, such as `8080` or `—`.
    public let defaultText: String
    /// The value may hold a password (a database or gateway URL): it is read as a secret, so that
    /// swift-configuration's access reporting never shows it.
    public let isSecret: Bool
    /// Reads `value` (the setting's text from a flag, the environment or the config file) into the configuration.
    let apply: @Sendable (inout ServerConfiguration, String) throws -> Void

    /// Where a setting lives in the configuration (a key path into it, nested structs included).
    typealias Path<Value> = any WritableKeyPath<ServerConfiguration, Value> & Sendable

    public var flag: String { "--" + key }
    public var environmentVariable: String { "NIMBUS_" + key.uppercased().replacingOccurrences(of: "-", with: "_") }

    init(
        _ key: String, default defaultText: String, help: String, isSecret: Bool = false,
        apply: @escaping @Sendable (inout ServerConfiguration, String) throws -> Void
    ) {
        self.key = key
        self.help = help
        self.defaultText = defaultText
        self.isSecret = isSecret
        self.apply = apply
    }

    /// A text setting; `optional` ones are unset by an empty value.
    static func text(
        _ key: String, _ path: Path<String>, default defaultText: String? = nil,
        help: String
    ) -> ServerSetting {
        ServerSetting(key, default: defaultText ?? "`\(ServerConfiguration()[keyPath: path])`", help: help) { configuration, value in
            configuration[keyPath: path] = value
        }
    }

    static func optionalText(
        _ key: String, _ path: Path<String?>, default defaultText: String = "—",
        secret isSecret: Bool = false, help: String
    ) -> ServerSetting {
        ServerSetting(key, default: defaultText, help: help, isSecret: isSecret) { configuration, value in
            configuration[keyPath: path] = value.isEmpty ? nil : value
        }
    }

    /// A whole number within `range`.
    static func number(
        _ key: String, _ path: Path<Int>, in range: ClosedRange<Int> = 1...Int.max,
        help: String
    ) -> ServerSetting {
        ServerSetting(key, default: "`\(ServerConfiguration()[keyPath: path])`", help: help) { configuration, value in
            configuration[keyPath: path] = try whole(value, in: range, key: key)
        }
    }

    /// A whole number within `range`, or unset by an empty value.
    static func optionalNumber(
        _ key: String, _ path: Path<Int?>, in range: ClosedRange<Int> = 1...Int.max,
        default defaultText: String = "—", help: String
    ) -> ServerSetting {
        ServerSetting(key, default: defaultText, help: help) { configuration, value in
            configuration[keyPath: path] = value.isEmpty ? nil : try whole(value, in: range, key: key)
        }
    }

    /// A duration given in whole seconds within `range`.
    static func seconds(
        _ key: String, _ path: Path<Duration>, in range: ClosedRange<Int> = 1...3_600,
        help: String
    ) -> ServerSetting {
        ServerSetting(key, default: "`\(ServerConfiguration()[keyPath: path].components.seconds)`", help: help) { configuration, value in
            configuration[keyPath: path] = .seconds(try whole(value, in: range, key: key))
        }
    }

    static func whole(_ value: String, in range: ClosedRange<Int>, key: String) throws -> Int {
        guard let number = Int(value.trimmingCharacters(in: .whitespaces)), range.contains(number) else {
            throw ConfigurationError.invalid(key, value)
        }
        return number
    }
}

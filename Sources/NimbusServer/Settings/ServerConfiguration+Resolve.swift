import Configuration
import Foundation

/// Reading the settings (`ServerSetting.all`) through swift-configuration: the command-line flags, the `NIMBUS_*`
/// environment and the JSON config file are providers of one `ConfigReader`, asked in that order.
extension ServerConfiguration {
    /// Resolves the configuration from its three sources.
    /// - Parameters:
    ///   - flags: values given on the command line, by key (`http-port`), only those that were given.
    ///   - environment: the process environment.
    ///   - configFile: a JSON file path; when `nil`, `NIMBUS_CONFIG` names it, if set.
    public static func resolve(flags: [String: String], environment: [String: String], configFile: String? = nil) throws -> ServerConfiguration {
        try resolve(from: reader(flags: flags, environment: environment, configFile: configFile))
    }

    /// Every setting the reader has, over the defaults. Tests pass a reader of an `InMemoryProvider`.
    /// - Throws: `ConfigurationError.invalid` naming the key of a value that does not parse.
    public static func resolve(from reader: ConfigReader) throws -> ServerConfiguration {
        var configuration = ServerConfiguration()
        for setting in ServerSetting.all {
            guard let value = reader.string(forKey: ConfigKey([setting.key]), isSecret: setting.isSecret) else { continue }
            try setting.apply(&configuration, value)
        }
        return configuration
    }

    /// The three sources as one reader. Every value is text, as a flag or an environment variable is, so each
    /// setting parses and checks its own (and names its key when it cannot).
    /// - Throws: `ConfigurationError.unknownKey` for a flag or config-file key that is no setting,
    ///   `unreadableFile` for a config file that is not a JSON object.
    public static func reader(flags: [String: String], environment: [String: String], configFile: String? = nil) throws -> ConfigReader {
        var providers: [any ConfigProvider] = [InMemoryProvider(name: "flags", values: try values(flags))]
        // NIMBUS_HTTP_PORT for the key `http-port`: the provider encodes ["nimbus", "http-port"] that way.
        providers.append(EnvironmentVariablesProvider(environmentVariables: environment).prefixKeys(with: ["nimbus"]))
        if let path = configFile ?? environment["NIMBUS_CONFIG"] {
            providers.append(InMemoryProvider(name: path, values: try values(readFile(path))))
        }
        return ConfigReader(providers: providers)
    }

    private static func values(_ texts: [String: String]) throws -> [AbsoluteConfigKey: ConfigValue] {
        var values: [AbsoluteConfigKey: ConfigValue] = [:]
        for (key, text) in texts {
            guard let setting = ServerSetting.named(key) else { throw ConfigurationError.unknownKey(key) }
            values[AbsoluteConfigKey([key])] = ConfigValue(.string(text), isSecret: setting.isSecret)
        }
        return values
    }

    /// The config file's keys and values, as text (`{"http-port": 8080}` gives `"8080"`).
    private static func readFile(_ path: String) throws -> [String: String] {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ConfigurationError.unreadableFile(path)
        }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { throw ConfigurationError.unreadableFile(path) }
        return object.mapValues { "\($0)" }
    }
}

extension ServerSetting {
    /// The setting with this key.
    public static func named(_ key: String) -> ServerSetting? {
        all.first { $0.key == key }
    }

    /// The settings given as command-line arguments (`--http-port 9000`, `--http-port=9000`), by key; the last
    /// of a repeated flag wins.
    /// - Throws: `ConfigurationError` for an argument that is no setting, or a flag without a value.
    public static func flags(from arguments: [String]) throws -> [String: String] {
        var flags: [String: String] = [:]
        var index = arguments.startIndex
        while index < arguments.endIndex {
            let argument = arguments[index]
            guard argument.hasPrefix("--") else { throw ConfigurationError.unknownKey(argument) }
            let name = argument.dropFirst(2)
            if let equals = name.firstIndex(of: "=") {
                flags[String(name[..<equals])] = String(name[name.index(after: equals)...])
            } else {
                let next = arguments.index(after: index)
                guard next < arguments.endIndex else { throw ConfigurationError.invalid(String(name), "(no value)") }
                flags[String(name)] = arguments[next]
                index = next
            }
            index = arguments.index(after: index)
        }
        for key in flags.keys where named(key) == nil { throw ConfigurationError.unknownKey(key) }
        return flags
    }
}

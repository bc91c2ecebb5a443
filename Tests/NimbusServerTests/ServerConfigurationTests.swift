import Configuration
import Foundation
import Logging
import NimbusHTTP
import NimbusMQTT
import NimbusServer
import Testing

@Suite("Server configuration")
struct ServerConfigurationTests {
    @Test("flags win over the environment, which wins over the config file, which wins over defaults")
    func priority() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("nimbus-config-\(UUID().uuidString).json")
        try Data(#"{"http-port": 7000, "bind": "0.0.0.0", "smtp-url": "smtp://file:25", "mqtt-port": 7883}"#.utf8).write(to: file)
        let configuration = try ServerConfiguration.resolve(
            flags: ["http-port": "9000"],
            environment: ["NIMBUS_HTTP_PORT": "8000", "NIMBUS_BIND": "10.0.0.1", "NIMBUS_CONFIG": file.path],
            configFile: nil)
        #expect(configuration.httpPort == 9000)
        #expect(configuration.bind == "10.0.0.1")
        #expect(configuration.smtpURL == "smtp://file:25")
        #expect(configuration.mqttPort == 7883)
        #expect(configuration.dataDirectory == "./nimbus-data")
        #expect(configuration.effectivePublicURL == "http://10.0.0.1:9000")
    }

    @Test("bad values and unknown keys are refused with a message")
    func errors() throws {
        #expect(throws: ConfigurationError.self) { try ServerConfiguration.resolve(flags: ["http-port": "eighty"], environment: [:]) }
        #expect(throws: ConfigurationError.self) { try ServerConfiguration.resolve(flags: [:], environment: ["NIMBUS_LOG_LEVEL": "loud"]) }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("nimbus-config-\(UUID().uuidString).json")
        try Data(#"{"htp-port": 1}"#.utf8).write(to: file)
        #expect(throws: ConfigurationError.self) { try ServerConfiguration.resolve(flags: [:], environment: [:], configFile: file.path) }
        #expect(throws: ConfigurationError.self) { try ServerConfiguration.resolve(flags: [:], environment: [:], configFile: "/nonexistent.json") }
    }

    @Test("settings are read through swift-configuration from any provider, such as one in memory")
    func inMemory() throws {
        let reader = ConfigReader(provider: InMemoryProvider(values: [
            AbsoluteConfigKey(["mqtt-max-queued-bytes"]): "4096", AbsoluteConfigKey(["http-idle-timeout"]): "7",
            AbsoluteConfigKey(["log-level"]): "DEBUG", AbsoluteConfigKey(["database"]): "",
        ]))
        let configuration = try ServerConfiguration.resolve(from: reader)
        #expect(configuration.mqtt.maximumQueuedBytes == 4096)
        #expect(configuration.http.idleTimeout == .seconds(7))
        #expect(configuration.logLevel == .debug)
        #expect(configuration.databaseURL == nil)
        let bad = ConfigReader(provider: InMemoryProvider(values: [AbsoluteConfigKey(["mqtt-connect-timeout"]): "0"]))
        #expect(throws: ConfigurationError.self) { try ServerConfiguration.resolve(from: bad) }
    }

    @Test("command-line settings: --key value and --key=value, the last one wins, unknown keys are refused")
    func flags() throws {
        #expect(try ServerSetting.flags(from: ["--http-port", "1", "--bind=0.0.0.0", "--http-port", "2"]) == ["http-port": "2", "bind": "0.0.0.0"])
        #expect(throws: ConfigurationError.self) { try ServerSetting.flags(from: ["--htp-port", "1"]) }
        #expect(throws: ConfigurationError.self) { try ServerSetting.flags(from: ["--http-port"]) }
        #expect(throws: ConfigurationError.self) { try ServerSetting.flags(from: ["8080"]) }
    }

    @Test("each setting is declared once, and the README's table is the one the declarations make")
    func readmeTable() throws {
        let keys = ServerSetting.all.map(\.key)
        #expect(Set(keys).count == keys.count, "a key is declared twice")
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        #expect(
            readme.contains(ServerSetting.markdownTable + "\n<!-- /settings -->"),
            "README.md's settings table drifted from ServerSetting.all: replace it with the output of `nimbus settings`")
    }
}

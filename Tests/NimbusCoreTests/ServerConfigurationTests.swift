import Foundation
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
}

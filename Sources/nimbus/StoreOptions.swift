import ArgumentParser
import Foundation
import NimbusServer

/// The options that say where the data is, shared by `serve` and every admin command.
struct StoreOptions: ParsableArguments {
    @Option(name: .customLong("data-dir"), help: "Directory of the embedded SQLite database (default ./nimbus-data).")
    var dataDirectory: String?

    @Option(name: .customLong("database"), help: "A postgres://user:password@host:port/database URL to use PostgreSQL instead of SQLite.")
    var databaseURL: String?

    @Option(name: .customLong("config"), help: "A JSON config file; flags and NIMBUS_* environment variables take priority over it.")
    var configFile: String?

    var flags: [String: String] {
        var flags: [String: String] = [:]
        flags["data-dir"] = dataDirectory
        flags["database"] = databaseURL
        return flags
    }

    func resolve(adding more: [String: String] = [:]) throws -> ServerConfiguration {
        try ServerConfiguration.resolve(
            flags: flags.merging(more) { _, new in new }, environment: ProcessInfo.processInfo.environment, configFile: configFile)
    }
}

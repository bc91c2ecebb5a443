import ArgumentParser
import Foundation
import NimbusServer

/// The settings of `serve` and of every admin command: `--config FILE`, and any setting as a flag
/// (`--data-dir DIR`, `--http-port 9000`: `ServerSetting.all`, listed by `nimbus serve --help`), which
/// `ServerConfiguration` reads together with the `NIMBUS_*` environment and the config file.
struct StoreOptions: ParsableArguments {
    @Option(name: .customLong("config"), help: "A JSON config file; flags and NIMBUS_* environment variables take priority over it.")
    var configFile: String?

    @Argument(parsing: .allUnrecognized, help: "Settings such as --data-dir DIR or --database URL (see 'nimbus serve --help').")
    var settings: [String] = []

    func resolve() throws -> ServerConfiguration {
        try ServerConfiguration.resolve(
            flags: ServerSetting.flags(from: settings), environment: ProcessInfo.processInfo.environment, configFile: configFile)
    }
}

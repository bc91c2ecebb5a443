import ArgumentParser
import Logging

/// The `nimbus` command: the server and the admin commands.
@main
struct NimbusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nimbus",
        abstract: "Nimbus, a self-hosted IoT device cloud that speaks MODE, Cayenne and WiFi Motion.",
        subcommands: [
            ServeCommand.self, ProjectCommand.self, AppCommand.self, KeyCommand.self, DeviceClassCommand.self, DeviceCLICommand.self,
            SmartModuleCommand.self, RuleTemplateCommand.self, SigningKeyCommand.self, SettingsCommand.self,
        ])
}

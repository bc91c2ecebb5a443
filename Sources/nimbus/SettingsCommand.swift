import ArgumentParser
import NimbusServer

/// `nimbus settings`: prints the settings table of the README, made from the declarations.
struct SettingsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "settings", abstract: "Print every server setting as the README's Markdown table.")

    func run() {
        print(ServerSetting.markdownTable)
    }
}

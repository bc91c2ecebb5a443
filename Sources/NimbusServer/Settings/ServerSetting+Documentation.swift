import Foundation

/// The settings as users read them, made from the declarations so they never drift: `nimbus serve --help`
/// and the README's settings table (`nimbus settings` prints it; a test compares it with the README).
extension ServerSetting {
    /// The README's table, between the `<!-- settings -->` markers.
    public static var markdownTable: String {
        var lines = ["| flag | environment | default | |", "|---|---|---|---|"]
        for setting in all {
            lines.append("| `\(setting.flag)` | `\(setting.environmentVariable)` | \(setting.defaultText) | \(setting.help) |")
        }
        lines.append("| `--config FILE` | `NIMBUS_CONFIG` | — | JSON object with the same keys (`{\"http-port\": 9000}`) |")
        return lines.joined(separator: "\n")
    }

    /// The settings part of `nimbus serve --help`.
    public static var helpText: String {
        var lines = [
            "Settings: each is also read from NIMBUS_<KEY> in the environment and from the --config JSON file;",
            "a flag wins over the environment, which wins over the file.",
            "",
        ]
        for setting in all {
            lines.append("  \(setting.flag) <value>")
            lines.append("      \(plain(setting.help)) (default: \(plain(setting.defaultText)))")
        }
        return lines.joined(separator: "\n")
    }

    /// Markdown without its code marks, for a terminal.
    private static func plain(_ text: String) -> String {
        text.replacingOccurrences(of: "`", with: "")
    }
}

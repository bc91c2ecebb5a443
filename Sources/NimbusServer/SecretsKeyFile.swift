import Foundation
import Logging
import NimbusCore

/// The server's secrets key (`SecretBox`): 32 random bytes in a file outside the database, made with mode 0600 at
/// first start. A database copied without this file reveals no sealed secret; a node or an admin command that
/// shares the database must be given the same file.
enum SecretsKeyFile {
    static func load(_ configuration: ServerConfiguration, logger: Logger) throws -> SecretBox {
        let path = configuration.secretsKeyFile ?? (configuration.dataDirectory as NSString).appendingPathComponent("secrets.key")
        let manager = FileManager.default
        if !manager.fileExists(atPath: path) {
            try manager.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            let created = manager.createFile(
                atPath: path, contents: Data(SystemRandomNumberGenerator.bytes(32)), attributes: [.posixPermissions: 0o600])
            guard created else { throw SecretsKeyError(path: path, reason: "cannot be created") }
            logger.notice("made a new secrets key", metadata: ["path": "\(path)"])
        }
        guard let data = manager.contents(atPath: path) else { throw SecretsKeyError(path: path, reason: "cannot be read") }
        guard data.count == 32 else { throw SecretsKeyError(path: path, reason: "must hold exactly 32 bytes, holds \(data.count)") }
        return try SecretBox(key: [UInt8](data))
    }
}

struct SecretsKeyError: Error, CustomStringConvertible {
    let path: String
    let reason: String

    var description: String { "secrets-key-file \(path): \(reason)" }
}

extension SystemRandomNumberGenerator {
    /// `count` random bytes from the system's generator.
    static func bytes(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    }
}

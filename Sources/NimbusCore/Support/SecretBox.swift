import Crypto
import Foundation

/// Seals secrets that must be shown again later (an account's MQTT password) with the server's key, AES-256-GCM:
/// the store holds only the sealed text, so a copy of the database alone reveals none of them.
///
/// The key lives outside the database (`secrets-key-file`, made at first start): every process that shares the
/// database (the admin CLI, other nodes) must be given the same file.
public struct SecretBox: Sendable {
    /// The key's 32 bytes (`SymmetricKey` is not `Sendable`; it is made from these for each use).
    private let keyBytes: [UInt8]

    /// - Parameter key: 32 bytes.
    public init(key: [UInt8]) throws {
        guard key.count == 32 else { throw NimbusError.invalidInput(field: "secrets key", reason: "must be 32 bytes") }
        self.keyBytes = key
    }

    /// A box with a new random key, for tests and throwaway stores.
    public static func ephemeral() -> SecretBox {
        try! SecretBox(key: Secrets.randomBytes(32))  // 32 bytes: cannot fail
    }

    private var key: SymmetricKey { SymmetricKey(data: keyBytes) }

    /// The secret sealed: base64 of nonce, ciphertext and tag.
    public func seal(_ secret: String) throws -> String {
        guard let combined = try AES.GCM.seal(Data(secret.utf8), using: key).combined else {
            throw NimbusError.storeFailure("AES-GCM gave no combined box")
        }
        return combined.base64EncodedString()
    }

    /// The secret, or `nil` when the text was not sealed with this key.
    public func open(_ sealed: String) -> String? {
        guard let data = Data(base64Encoded: sealed), let box = try? AES.GCM.SealedBox(combined: data),
              let plain = try? AES.GCM.open(box, using: key) else { return nil }
        return String(data: plain, encoding: .utf8)
    }
}

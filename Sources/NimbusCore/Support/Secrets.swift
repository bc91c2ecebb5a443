import Crypto
import Foundation
import HummingbirdBcrypt

/// Creation, hashing and comparison of every secret Nimbus hands out.
///
/// High-entropy secrets (API keys, session tokens, provisioning tokens, emailed tokens) are stored as
/// SHA-256 hashes: they cannot be guessed, so a slow hash adds nothing and a fast one lets a lookup
/// use an index. Low-entropy secrets that a person types (passwords) use bcrypt. Short codes (claim
/// codes, SMS codes) are hashed with SHA-256 too and are protected by expiry and attempt limits.
public enum Secrets {
    /// A new random token: `prefix` + 32 random bytes in base64url (256 bits of entropy).
    public static func token(prefix: String) -> String {
        prefix + Base64URL.encode(randomBytes(32))
    }

    /// A code a person can type from a sticker: 8 characters of Crockford base32, shown as `XXXX-XXXX`.
    public static func claimCode() -> String {
        let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ")
        let chars = randomBytes(8).map { alphabet[Int($0) % alphabet.count] }
        return String(chars[0..<4]) + "-" + String(chars[4..<8])
    }

    /// The form in which a claim code is compared: upper case, without dashes or spaces.
    public static func normalizedClaimCode(_ code: String) -> String {
        code.uppercased().filter { $0 != "-" && $0 != " " }
    }

    /// A numeric code of `digits` digits for SMS sign-in.
    public static func numericCode(digits: Int = 6) -> String {
        var generator = SystemRandomNumberGenerator()
        return String((0..<digits).map { _ in Character(String(Int.random(in: 0...9, using: &generator))) })
    }

    /// Lower-case hex SHA-256 of a secret, as stored at rest.
    public static func hash(_ secret: String) -> String {
        SHA256.hash(data: Data(secret.utf8)).hexString
    }

    /// Compares two strings in time that depends only on their lengths, never on where they differ.
    public static func constantTimeEquals(_ lhs: String, _ rhs: String) -> Bool {
        let a = Array(lhs.utf8), b = Array(rhs.utf8)
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }

    /// Checks a presented secret against a stored SHA-256 hash in constant time.
    public static func matches(_ secret: String, hash stored: String) -> Bool {
        constantTimeEquals(hash(secret), stored)
    }

    /// A bcrypt hash of a password (cost 10), computed on the password threads.
    public static func hashPassword(_ password: String) async -> String {
        await onPasswordThreads { Bcrypt.hash(password, cost: 10) }
    }

    /// Verifies a password against its bcrypt hash (bcrypt's own comparison is constant-time), on the password
    /// threads.
    public static func verifyPassword(_ password: String, hash: String) async -> Bool {
        await onPasswordThreads { Bcrypt.verify(password, hash: hash) }
    }

    /// A bcrypt hash of a random password, for checks that must take as long when there is no real hash. Computed
    /// once, on first use, on the thread that first asks.
    static let decoyPasswordHash = Bcrypt.hash(token(prefix: ""), cost: 10)

    /// Where bcrypt runs: ~50 ms of CPU per password at cost 10, which on the cooperative pool (one thread per
    /// core) stalled every request handler while two people signed in at once. Half the cores (at least one)
    /// bound the share of the machine that a burst of sign-ins can take; further sign-ins wait their turn, and
    /// the sign-in throttle and the HTTP connection limits bound how many can wait.
    private static let passwordThreads = ThreadExecutor(
        name: "nimbus-bcrypt", threads: max(1, ProcessInfo.processInfo.activeProcessorCount / 2))

    /// Runs `work` on the password threads.
    static func onPasswordThreads<T: Sendable>(_ work: @Sendable () -> T) async -> T {
        await withTaskExecutorPreference(passwordThreads) { work() }
    }

    static func randomBytes(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    }
}

extension Sequence where Element == UInt8 {
    /// Lower-case hexadecimal digits. Written by hand: every authenticated request hashes its token, and
    /// `String(format:)` per byte was a sixth of the CPU time of an HTTP event ingest.
    public var hexString: String {
        var text: [UInt8] = []
        text.reserveCapacity(underestimatedCount * 2)
        for byte in self {
            text.append(hexDigits[Int(byte >> 4)])
            text.append(hexDigits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}

/// The digits of `hexString`, made once rather than on every call.
private let hexDigits = Array("0123456789abcdef".utf8)

extension Digest {
    /// Lower-case hexadecimal digits of the digest.
    public var hexString: String { Array(self).hexString }
}

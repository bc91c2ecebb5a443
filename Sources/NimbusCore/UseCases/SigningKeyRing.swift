import Crypto
import Foundation
import Synchronization

/// The keys that sign and verify access tokens, loaded from the store once at start-up. The first
/// start generates an ES256 key and stores it; the newest stored key signs, every stored key verifies,
/// so adding a key (rotation) leaves tokens signed before valid until they expire.
public final class SigningKeyRing: Sendable {
    private struct State {
        var signing: SigningKey?
        /// Public keys by id, as X9.63 bytes (the Mutex holds only Sendable values).
        var verifying: [String: [UInt8]] = [:]
    }

    private let state = Mutex(State())

    public init() {}

    /// Loads the stored keys, making the first one if there is none.
    public func load(from store: any Store, clock: any WallClock) async throws {
        var keys = try await store.read { try await $0.oauth.signingKeys() }
        if keys.isEmpty {
            let key = Self.generate(at: clock.now())
            try await store.write { try await $0.oauth.insertSigningKey(key) }
            // Another process starting at the same time may have added its own; both are kept and valid.
            keys = try await store.read { try await $0.oauth.signingKeys() }
        }
        try install(keys)
    }

    /// Makes `keys` the ring's keys: the last one signs.
    public func install(_ keys: [SigningKey]) throws {
        var verifying: [String: [UInt8]] = [:]
        for key in keys where key.algorithm == "ES256" {
            verifying[key.id] = Array(try P256.Signing.PrivateKey(rawRepresentation: key.privateKey).publicKey.x963Representation)
        }
        let signing = keys.last { $0.algorithm == "ES256" }
        state.withLock { state in
            state.signing = signing
            state.verifying = verifying
        }
    }

    /// A new ES256 key with a random id.
    public static func generate(at time: Date) -> SigningKey {
        SigningKey(
            id: Base64URL.encode(Secrets.randomBytes(12)), algorithm: "ES256",
            privateKey: Array(P256.Signing.PrivateKey().rawRepresentation), creationTime: time)
    }

    public func sign(_ claims: [String: JSONValue], type: String = "at+jwt") throws -> String {
        guard let key = state.withLock({ $0.signing }) else { throw NimbusError.storeFailure("no signing key loaded") }
        return try JSONWebToken.sign(claims: claims, with: key, type: type)
    }

    /// The claims of a token signed by one of the ring's keys; `nil` when it is not.
    public func verify(_ token: String) -> [String: JSONValue]? {
        let keys = state.withLock { $0.verifying }
        return try? JSONWebToken.verify(token) { kid in keys[kid].flatMap { try? P256.Signing.PublicKey(x963Representation: $0) } }
    }

    /// The public keys as a JWK Set (RFC 7517), for `/.well-known/jwks.json`.
    public var jwks: JSONValue {
        let keys = state.withLock { $0.verifying }
        return .object(["keys": .array(keys.sorted { $0.key < $1.key }.map { kid, point in
            // X9.63: 0x04 || x || y
            return .object([
                "kty": .string("EC"), "crv": .string("P-256"), "alg": .string("ES256"), "use": .string("sig"),
                "kid": .string(kid), "x": .string(Base64URL.encode(point[1..<33])), "y": .string(Base64URL.encode(point[33..<65])),
            ])
        })])
    }
}

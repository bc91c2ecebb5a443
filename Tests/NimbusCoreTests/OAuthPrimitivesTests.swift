import Crypto
import Foundation
import Testing

@testable import NimbusCore

@Suite("OAuth primitives: JWT, PKCE, scopes, sign-in throttle")
struct OAuthPrimitivesTests {
    let key = SigningKeyRing.generate(at: Date())

    func publicKey(_ kid: String) -> P256.Signing.PublicKey? {
        kid == key.id ? try? P256.Signing.PrivateKey(rawRepresentation: key.privateKey).publicKey : nil
    }

    @Test("a signed token verifies and gives back its claims")
    func roundTrip() throws {
        let token = try JSONWebToken.sign(claims: ["sub": .string("42"), "exp": .number(2_000_000_000)], with: key)
        #expect(JSONWebToken.looksLikeJWT(token))
        let claims = try JSONWebToken.verify(token, key: publicKey)
        #expect(claims["sub"] == .string("42"))
        #expect(claims["exp"] == .number(2_000_000_000))
    }

    @Test("a changed payload, another key, alg none or a malformed token is refused")
    func tampering() throws {
        let token = try JSONWebToken.sign(claims: ["sub": .string("42")], with: key)
        let parts = token.split(separator: ".").map(String.init)
        let forgedPayload = Base64URL.encode(Array(#"{"sub":"1"}"#.utf8))
        #expect(throws: JSONWebToken.Failure.badSignature) {
            try JSONWebToken.verify([parts[0], forgedPayload, parts[2]].joined(separator: "."), key: publicKey)
        }
        let other = SigningKeyRing.generate(at: Date())
        let foreign = try JSONWebToken.sign(claims: ["sub": .string("42")], with: SigningKey(
            id: key.id, algorithm: "ES256", privateKey: other.privateKey, creationTime: Date()))
        #expect(throws: JSONWebToken.Failure.badSignature) { try JSONWebToken.verify(foreign, key: publicKey) }
        let noneHeader = Base64URL.encode(Array(#"{"alg":"none","kid":"\#(key.id)"}"#.utf8))
        #expect(throws: JSONWebToken.Failure.malformed) {
            try JSONWebToken.verify([noneHeader, parts[1], ""].joined(separator: "."), key: publicKey)
        }
        let unknownKid = try JSONWebToken.sign(claims: [:], with: other)
        #expect(throws: JSONWebToken.Failure.unknownKey) { try JSONWebToken.verify(unknownKid, key: publicKey) }
        for garbage in ["", "a.b", "a.b.c", "eyJ.eyJ.", token + ".x", token.replacingOccurrences(of: ".", with: "=.")] {
            #expect(throws: JSONWebToken.Failure.self) { try JSONWebToken.verify(garbage, key: publicKey) }
        }
    }

    @Test("the key ring signs with its newest key and still verifies tokens of older ones")
    func rotation() throws {
        let ring = SigningKeyRing()
        let old = SigningKeyRing.generate(at: Date(timeIntervalSince1970: 1))
        try ring.install([old])
        let signedByOld = try ring.sign(["n": .number(1)])
        let new = SigningKeyRing.generate(at: Date(timeIntervalSince1970: 2))
        try ring.install([old, new])
        let signedByNew = try ring.sign(["n": .number(2)])
        #expect(ring.verify(signedByOld)?["n"] == .number(1))
        #expect(ring.verify(signedByNew)?["n"] == .number(2))
        let header = Base64URL.decode(signedByNew.split(separator: ".")[0]).flatMap { JSONValue(jsonText: String(decoding: $0, as: UTF8.self)) }
        #expect(header?.objectValue?["kid"] == .string(new.id))
        guard case .array(let keys)? = ring.jwks.objectValue?["keys"] else { Issue.record("no keys"); return }
        #expect(keys.count == 2)
    }

    @Test("PKCE S256 matches RFC 7636 appendix B, and badly shaped verifiers are refused")
    func pkce() {
        #expect(OAuthUseCases.pkceChallenge(verifier: "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")
        #expect(OAuthUseCases.pkceChallenge(verifier: "short") == nil)
        #expect(OAuthUseCases.pkceChallenge(verifier: String(repeating: "a", count: 129)) == nil)
        #expect(OAuthUseCases.pkceChallenge(verifier: String(repeating: "a", count: 42) + "+") == nil)
    }

    @Test("scopes are read space- or comma-separated and written space-separated, without repeats")
    func scopes() throws {
        #expect(try OAuthUseCases.normalizedScope("read,write read  devices:view") == "read write devices:view")
        #expect(try OAuthUseCases.normalizedScope(nil) == "")
        #expect(throws: OAuthError.self) { try OAuthUseCases.normalizedScope("read <script>") }
    }

    @Test("attempts are counted before they are checked: failures slow an account down, then refuse it or the address; a success clears the account but not the address")
    func throttle() async throws {
        var limits = SignInThrottle.Limits()
        limits.delayAfter = 2
        limits.refuseAfter = 4
        limits.refuseAfterPerAddress = 5
        let throttle = SignInThrottle(limits: limits)
        #expect(try await throttle.begin(account: "a", address: "1.2.3.4") == .allowed(delay: .zero))
        #expect(try await throttle.begin(account: "a", address: "1.2.3.4") == .allowed(delay: .zero))
        #expect(try await throttle.begin(account: "a", address: "9.9.9.9") == .allowed(delay: limits.delay))
        #expect(try await throttle.begin(account: "a", address: "1.2.3.4") == .allowed(delay: limits.delay))
        // Four attempts are running or failed: a fifth is refused before anything is checked.
        #expect(try await throttle.begin(account: "a", address: "9.9.9.9") == .refused)
        #expect(try await throttle.begin(account: "b", address: "9.9.9.9") == .allowed(delay: .zero))
        #expect(try await throttle.begin(account: "c", address: "1.2.3.4") == .allowed(delay: .zero))
        #expect(try await throttle.begin(account: "d", address: "1.2.3.4") == .allowed(delay: .zero))
        #expect(try await throttle.begin(account: "e", address: "1.2.3.4") == .refused)
        try await throttle.recordSuccess(account: "a", address: "1.2.3.4")
        #expect(try await throttle.begin(account: "a", address: "8.8.8.8") == .allowed(delay: .zero))
        #expect(try await throttle.begin(account: "e", address: "1.2.3.4") == .allowed(delay: .zero))
        #expect(try await throttle.begin(account: "e", address: "1.2.3.4") == .refused)
    }
}

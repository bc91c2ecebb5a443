import Crypto
import Foundation

/// Compact JWS tokens (RFC 7515/7519) signed with ES256, which is all Nimbus issues. Written here
/// rather than taken from jwt-kit: signing and checking one algorithm is a few lines over
/// swift-crypto, which Nimbus already builds, and the claims stay plain `JSONValue`s.
public enum JSONWebToken {
    public enum Failure: Error, Equatable {
        case malformed
        case unknownKey
        case badSignature
    }

    /// `header.payload.signature`, signed with the key; the header names the key (`kid`).
    public static func sign(claims: [String: JSONValue], with key: SigningKey, type: String = "at+jwt") throws -> String {
        let header: JSONValue = .object(["alg": .string("ES256"), "typ": .string(type), "kid": .string(key.id)])
        let signingInput = Base64URL.encode(Array(header.jsonText.utf8)) + "." + Base64URL.encode(Array(JSONValue.object(claims).jsonText.utf8))
        let privateKey = try P256.Signing.PrivateKey(rawRepresentation: key.privateKey)
        let signature = try privateKey.signature(for: Data(signingInput.utf8))
        return signingInput + "." + Base64URL.encode(Array(signature.rawRepresentation))
    }

    /// The claims of a token whose signature the key its header names (`key(kid)`) verifies. Expiry
    /// and issuer are the caller's to check.
    public static func verify(_ token: String, key: (String) -> P256.Signing.PublicKey?) throws -> [String: JSONValue] {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3,
            let headerBytes = Base64URL.decode(parts[0]), let payloadBytes = Base64URL.decode(parts[1]),
            let signatureBytes = Base64URL.decode(parts[2]),
            case .object(let header)? = JSONValue(jsonText: String(decoding: headerBytes, as: UTF8.self)),
            case .object(let claims)? = JSONValue(jsonText: String(decoding: payloadBytes, as: UTF8.self))
        else { throw Failure.malformed }
        // Only ES256 is accepted, whatever the header claims, so "alg: none" and key confusion cannot occur.
        guard header["alg"] == .string("ES256"), case .string(let kid)? = header["kid"] else { throw Failure.malformed }
        guard let key = key(kid) else { throw Failure.unknownKey }
        guard let signature = try? P256.Signing.ECDSASignature(rawRepresentation: signatureBytes),
            key.isValidSignature(signature, for: Data((parts[0] + "." + parts[1]).utf8))
        else { throw Failure.badSignature }
        return claims
    }

    /// Whether the text has the shape of a compact JWS (three base64url parts, a JSON header).
    public static func looksLikeJWT(_ token: String) -> Bool {
        token.hasPrefix("eyJ") && token.utf8.count(where: { $0 == UInt8(ascii: ".") }) == 2
    }
}

/// Base64url without padding (RFC 4648 §5), as JWTs, JWKs and PKCE use it.
public enum Base64URL {
    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    public static func decode(_ text: some StringProtocol) -> [UInt8]? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        guard !base64.contains("=") else { return nil }
        base64 += String(repeating: "=", count: (4 - base64.utf8.count % 4) % 4)
        return Data(base64Encoded: base64).map(Array.init)
    }
}

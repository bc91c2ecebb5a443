import Foundation

/// A key that signs access tokens. The newest key signs; every stored key still verifies, so a key
/// can be rotated without cutting off tokens signed before.
public struct SigningKey: Sendable, Hashable {
    /// The JWT `kid`.
    public var id: String
    /// The JWS algorithm; Nimbus makes `ES256` keys.
    public var algorithm: String
    /// The private key's raw representation (for ES256, the 32-byte scalar).
    public var privateKey: [UInt8]
    public var creationTime: Date

    public init(id: String, algorithm: String, privateKey: [UInt8], creationTime: Date) {
        self.id = id
        self.algorithm = algorithm
        self.privateKey = privateKey
        self.creationTime = creationTime
    }
}

/// An OAuth authorization code, stored by its hash until it is exchanged once or expires.
public struct AuthorizationCode: Sendable, Hashable {
    public var codeHash: String
    public var appId: String
    public var userId: Int
    public var redirectURI: String
    public var scope: String
    /// RFC 7636: the S256 challenge, when the client sent one.
    public var codeChallenge: String?
    public var expirationTime: Date
    public var used: Bool

    public init(
        codeHash: String, appId: String, userId: Int, redirectURI: String, scope: String, codeChallenge: String?,
        expirationTime: Date, used: Bool
    ) {
        self.codeHash = codeHash
        self.appId = appId
        self.userId = userId
        self.redirectURI = redirectURI
        self.scope = scope
        self.codeChallenge = codeChallenge
        self.expirationTime = expirationTime
        self.used = used
    }
}

/// A refresh token. Every token of one sign-in shares its session (the "family"): using a token
/// replaces it with a new one, and presenting a replaced one ends the whole family.
public struct RefreshToken: Sendable, Hashable {
    public var id: Int
    public var sessionId: Int
    public var appId: String
    public var scope: String
    public var tokenHash: String
    public var expirationTime: Date
    /// Set when the token was exchanged for a new one.
    public var used: Bool

    public init(id: Int, sessionId: Int, appId: String, scope: String, tokenHash: String, expirationTime: Date, used: Bool) {
        self.id = id
        self.sessionId = sessionId
        self.appId = appId
        self.scope = scope
        self.tokenHash = tokenHash
        self.expirationTime = expirationTime
        self.used = used
    }
}

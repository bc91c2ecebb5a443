/// The errors of the OAuth use cases, named as RFC 6749 §5.2 names them (plus `tooManyAttempts`),
/// so the dialect that serves OAuth can render them as they are. None carries a secret.
public enum OAuthError: Error, Sendable, Hashable {
    /// A parameter is missing, repeated or malformed.
    case invalidRequest(String)
    /// Client authentication failed: unknown client, wrong or missing secret, inactive app.
    case invalidClient(String)
    /// The code, refresh token, password or PKCE verifier is wrong, used, expired or not this client's.
    case invalidGrant(String)
    /// The client may not use this grant (client credentials of a public client).
    case unauthorizedClient(String)
    case unsupportedGrantType
    case invalidScope(String)
    /// Sign-in is refused for a while after repeated failures.
    case tooManyAttempts

    public var code: String {
        switch self {
        case .invalidRequest: "invalid_request"
        case .invalidClient: "invalid_client"
        case .invalidGrant: "invalid_grant"
        case .unauthorizedClient: "unauthorized_client"
        case .unsupportedGrantType: "unsupported_grant_type"
        case .invalidScope: "invalid_scope"
        case .tooManyAttempts: "too_many_attempts"
        }
    }

    public var description: String {
        switch self {
        case .invalidRequest(let text), .invalidClient(let text), .invalidGrant(let text), .unauthorizedClient(let text),
            .invalidScope(let text):
            text
        case .unsupportedGrantType: "grant_type must be authorization_code, password, refresh_token or client_credentials"
        case .tooManyAttempts: "too many failed sign-ins; try again later"
        }
    }
}

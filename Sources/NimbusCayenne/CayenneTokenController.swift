import Foundation
import Hummingbird
import NimbusCore
import NimbusHTTP

/// The OAuth endpoints a client calls directly: token (RFC 6749), revocation (RFC 7009),
/// introspection (RFC 7662), and the published keys and metadata (RFC 8414).
struct CayenneTokenController {
    let oauth: OAuthUseCases
    let publicURL: PublicURL

    var issuer: String { CayenneDialect.issuer(of: publicURL) }

    func addRoutes(to group: RouterGroup<NimbusRequestContext>, root: Router<NimbusRequestContext>) {
        group.post("oauth/token", use: token)
        group.post(RouterPath(CayenneDialect.keycloakPath + "/token"), use: token)
        group.post("oauth/revoke", use: revoke)
        group.post("oauth/introspect", use: introspect)
        group.get("oauth/jwks", use: jwks)
        group.get(".well-known/oauth-authorization-server", use: metadata)
        root.get(".well-known/oauth-authorization-server/cayenne", use: metadata)
        root.get(".well-known/jwks.json", use: jwks)
    }

    func token(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let fields = try await RequestFields.read(request, context: context)
        let client = try ClientCredentials(request: request, fields: fields)
        let issued = try await oauth.token(OAuthUseCases.TokenRequest(
            grantType: try fields.string("grant_type"), clientId: client.id, clientSecret: client.secret,
            code: try fields.string("code"), redirectURI: try fields.string("redirect_uri"), codeVerifier: try fields.string("code_verifier"),
            email: try fields.string("email") ?? fields.string("username"), password: try fields.string("password"),
            refreshToken: try fields.string("refresh_token"), scope: try fields.string("scope"), address: context.remoteAddress))
        return CayenneResponse.json(CayenneWire.tokens(issued))
    }

    func revoke(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let fields = try await RequestFields.read(request, context: context)
        let client = try ClientCredentials(request: request, fields: fields)
        guard let token = try fields.string("token"), !token.isEmpty else { throw OAuthError.invalidRequest("token is required") }
        try await oauth.revoke(token: token, clientId: client.id, clientSecret: client.secret)
        return CayenneResponse.json([:])
    }

    func introspect(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let fields = try await RequestFields.read(request, context: context)
        let client = try ClientCredentials(request: request, fields: fields)
        guard let token = try fields.string("token"), !token.isEmpty else { throw OAuthError.invalidRequest("token is required") }
        return CayenneResponse.json(try await oauth.introspect(token: token, clientId: client.id, clientSecret: client.secret))
    }

    func jwks(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        CayenneResponse.json(oauth.jwks)
    }

    /// RFC 8414 metadata: where each endpoint is and what it supports.
    func metadata(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let strings = { (values: [String]) in JSONValue.array(values.map(JSONValue.string)) }
        let authMethods = strings(["client_secret_basic", "client_secret_post", "none"])
        return CayenneResponse.json([
            "issuer": .string(issuer),
            "authorization_endpoint": .string(issuer + "/oauth/authorize"),
            "token_endpoint": .string(issuer + "/oauth/token"),
            "revocation_endpoint": .string(issuer + "/oauth/revoke"),
            "introspection_endpoint": .string(issuer + "/oauth/introspect"),
            "jwks_uri": .string(publicURL.url("/.well-known/jwks.json")),
            "response_types_supported": strings(["code", "token"]),
            "response_modes_supported": strings(["query", "fragment"]),
            "grant_types_supported": strings(["authorization_code", "implicit", "password", "refresh_token", "client_credentials"]),
            "token_endpoint_auth_methods_supported": authMethods,
            "revocation_endpoint_auth_methods_supported": authMethods,
            "introspection_endpoint_auth_methods_supported": strings(["client_secret_basic", "client_secret_post"]),
            "code_challenge_methods_supported": strings(["S256"]),
            "token_endpoint_auth_signing_alg_values_supported": strings(["ES256"]),
        ])
    }
}

/// A client's id and secret: from HTTP Basic (RFC 6749 §2.3.1, each part form-encoded) or from the body.
struct ClientCredentials {
    var id: String?
    var secret: String?

    init(request: Request, fields: RequestFields) throws {
        let basic: HTTPBasicCredentials?
        do {
            basic = try HTTPBasicCredentials.parse(request.headers[.authorization])
        } catch {
            throw OAuthError.invalidClient("malformed Basic credentials")
        }
        if let basic {
            let decode = { (part: String) in part.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? part }
            id = decode(basic.user)
            secret = decode(basic.password)
            if let bodyId = try fields.string("client_id"), bodyId != id {
                throw OAuthError.invalidRequest("client_id differs from the Basic credentials")
            }
        } else {
            id = try fields.string("client_id")
            secret = try fields.string("client_secret")
        }
    }
}

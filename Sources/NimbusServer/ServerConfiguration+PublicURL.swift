import Foundation
import NimbusCayenne
import NimbusCore
import NimbusHTTP

extension ServerConfiguration {
    /// The public URL as one value: the base of every link, dialect address and the OAuth issuer.
    public var publicBaseURL: PublicURL { PublicURL(effectivePublicURL) }

    /// The OAuth server's settings. `serve` and the admin commands both build the core with these,
    /// so a token issued by one is checked against the same issuer by the other.
    public var oauthSettings: OAuthSettings {
        OAuthSettings(
            issuer: CayenneDialect.issuer(of: publicBaseURL), accessTokenLifetime: TimeInterval(accessTokenLifetime),
            defaultClientId: cayenneDefaultApp)
    }
}

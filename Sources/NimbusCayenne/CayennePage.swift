import Foundation
import HTTPTypes
import Hummingbird
import NimbusCore
import NimbusHTTP

/// The HTML of the sign-in, consent and password pages: small, server-rendered, no script, sent with
/// `HTMLPage`'s security headers.
enum CayennePage {
    /// The pages' own rules, after `HTMLPage`'s common ones.
    static let style = """
        body{max-width:28rem}label{display:block;margin:.8rem 0}input[type=email],input[type=password],input:not([type]){width:100%;padding:.4rem}
        button{padding:.5rem 1.2rem;margin-right:.5rem}.error{color:#b00020}
        """

    /// A page; `redirectURI` is where its form's post may end (the OAuth client), which its policy allows.
    static func render(
        status: HTTPResponse.Status = .ok, title: String, body: String, redirectURI: String? = nil, cookies: [Cookie] = []
    ) -> Response {
        let formTargets = redirectURI.flatMap(HTMLPage.formTarget(redirectingTo:)).map { [$0] } ?? []
        return HTMLPage(status: status, title: title, body: body, style: style, formTargets: formTargets).response(cookies: cookies)
    }

    /// An error shown to the person, for requests that must not be sent back to the client.
    static func error(_ message: String, status: HTTPResponse.Status = .badRequest) -> Response {
        render(status: status, title: "Sign-in cannot continue", body: "<p class=\"error\">\(HTML.escape(message))</p>")
    }

    /// Hidden inputs that carry a value from one page to the next.
    static func hidden(_ fields: [(String, String?)]) -> String {
        fields.compactMap { name, value in
            value.map { "<input type=\"hidden\" name=\"\(HTML.escape(name))\" value=\"\(HTML.escape($0))\">" }
        }.joined(separator: "\n")
    }

    /// A 303 to `uri` with `parameters` added to its query or, for the implicit flow, in its fragment.
    static func redirect(to uri: String, _ parameters: [(String, String?)], inFragment: Bool, cookies: [Cookie] = []) -> Response {
        let encoded = parameters.compactMap { name, value in value.map { "\(name)=\(percentEncode($0))" } }.joined(separator: "&")
        let location = inFragment ? "\(uri)#\(encoded)" : "\(uri)\(uri.contains("?") ? "&" : "?")\(encoded)"
        var response = Response(status: .seeOther, headers: [.location: location, .cacheControl: "no-store"])
        for cookie in cookies { response.setCookie(cookie) }
        return response
    }

    static func percentEncode(_ value: String) -> String {
        let allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }
}

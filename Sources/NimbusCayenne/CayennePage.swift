import Foundation
import HTTPTypes
import Hummingbird
import NimbusCore
import NimbusHTTP

/// The HTML of the sign-in, consent and password pages: small, server-rendered, no script.
enum CayennePage {
    static func render(status: HTTPResponse.Status = .ok, title: String, body: String, cookies: [Cookie] = []) -> Response {
        let html = """
            <!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
            <title>\(HTML.escape(title))</title><style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:4rem auto;padding:0 1rem}
            label{display:block;margin:.8rem 0}input[type=email],input[type=password]{width:100%;padding:.4rem}
            button{padding:.5rem 1.2rem;margin-right:.5rem}.error{color:#b00020}</style>
            </head><body><h1>\(HTML.escape(title))</h1>\(body)</body></html>
            """
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.cacheControl] = "no-store"
        // The pages must not be framed (clickjacking of the consent buttons).
        headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        headers[HTTPField.Name("Content-Security-Policy")!] = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'"
        var response = Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
        for cookie in cookies { response.setCookie(cookie) }
        return response
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

import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// A small server-rendered HTML page of a dialect (sign-in, consent, email verification, password
/// reset), always sent with the security headers such pages need: no script and nothing loaded from
/// elsewhere, never framed (clickjacking of their buttons), never cached (they carry tokens), no
/// referrer (their URLs carry tokens), no content sniffing.
public struct HTMLPage: Sendable {
    public var status: HTTPResponse.Status
    /// Plain text: escaped here.
    public var title: String
    /// HTML, with every value put into it escaped by the caller (`HTML.escape`).
    public var body: String
    /// Extra rules of the page's `<style>`, after the common ones.
    public var style: String
    /// Where the page's forms may send the browser besides this origin, as CSP sources. Browsers
    /// other than Firefox hold a form's redirect to `form-action` too, so a form that ends in a
    /// redirect to an OAuth client must name the client's origin here.
    public var formTargets: [String]

    public init(status: HTTPResponse.Status = .ok, title: String, body: String, style: String = "", formTargets: [String] = []) {
        self.status = status
        self.title = title
        self.body = body
        self.style = style
        self.formTargets = formTargets
    }

    /// The page with its security headers, and the cookies to set with it.
    public func response(cookies: [Cookie] = []) -> Response {
        let html = """
            <!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
            <title>\(HTML.escape(title))</title><style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem}\(style)</style>
            </head><body><h1>\(HTML.escape(title))</h1>\(body)</body></html>
            """
        var headers = Self.securityHeaders(formTargets: formTargets)
        headers[.contentType] = "text/html; charset=utf-8"
        var response = Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
        for cookie in cookies { response.setCookie(cookie) }
        return response
    }

    /// The headers every page is sent with.
    public static func securityHeaders(formTargets: [String] = []) -> HTTPFields {
        var headers = HTTPFields()
        headers[.contentSecurityPolicy] = contentSecurityPolicy(formTargets: formTargets)
        headers[.xFrameOptions] = "DENY"
        headers[.cacheControl] = "no-store"
        headers[.referrerPolicy] = "no-referrer"
        headers[.xContentTypeOptions] = "nosniff"
        return headers
    }

    /// Inline style only; forms to this origin (and `formTargets`); no framing, no `<base>`.
    public static func contentSecurityPolicy(formTargets: [String] = []) -> String {
        let formAction = (["'self'"] + formTargets).joined(separator: " ")
        return "default-src 'none'; style-src 'unsafe-inline'; form-action \(formAction); frame-ancestors 'none'; base-uri 'none'"
    }

    /// The CSP source a form may redirect to for `uri`: its origin for `http(s)`, its scheme for an
    /// app's own scheme (`com.example.app:/callback`); `nil` when the URI has neither.
    public static func formTarget(redirectingTo uri: String) -> String? {
        guard let components = URLComponents(string: uri), let scheme = components.scheme?.lowercased(), !scheme.isEmpty else { return nil }
        guard scheme == "http" || scheme == "https" else { return "\(scheme):" }
        guard let host = components.percentEncodedHost, !host.isEmpty else { return nil }
        return "\(scheme)://\(host)\(components.port.map { ":\($0)" } ?? "")"
    }
}

extension HTTPField.Name {
    fileprivate static let xFrameOptions = Self("X-Frame-Options")!
    fileprivate static let referrerPolicy = Self("Referrer-Policy")!
}

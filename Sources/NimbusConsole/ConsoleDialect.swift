import Foundation
import HTTPTypes
import Hummingbird
import NimbusCore
import NimbusHTTP

/// The web console at `/console` (`docs/console.md`): plain HTML, CSS and JavaScript modules from `Web/`, served as
/// they are (no build step), that sign a person in through Nimbus's own OAuth pages (authorization code with PKCE,
/// through the public app `console-<project id>` made at start) and then use only the public Cayenne APIs and the
/// account's stream, as any other client would.
public struct ConsoleDialect: Sendable {
    public static let pathPrefix = "/console"
    /// Every route below, described in `OpenAPI/console.json` (a test keeps the two equal).
    public static let openAPI = OpenAPIDocument(name: "console", bundle: .module)
    let files: ConsoleFiles
    /// `/console/config.json`: what the scripts need to know of this server.
    let configuration: ByteBuffer
    let headers: HTTPFields

    /// Finds or makes the project named `projectName` with the console's app, and registers the console's address
    /// (`<public URL>/console/`) as the app's redirect URI.
    /// - Parameters:
    ///   - tileURL: a map tile template (`https://tile.example/{z}/{x}/{y}.png`) the map screen draws under the tracks,
    ///     or `nil` for a plain background.
    ///   - mqttPort: the MQTT listener's port, shown with a new device's credentials.
    public static func start(
        nimbus: Nimbus, projectName: String, publicURL: PublicURL, tileURL: String?, mqttPort: Int
    ) async throws -> ConsoleDialect {
        let (_, app) = try await nimbus.admin.ensureEmailProject(named: projectName, appPrefix: "console", by: .system)
        let redirectURI = publicURL.dialectBase(pathPrefix) + "/"
        _ = try await nimbus.applications.addRedirect(appId: app.id, uri: redirectURI, by: .system)
        let configuration: JSONValue = .object([
            "clientId": .string(app.id), "redirectUri": .string(redirectURI),
            "authorize": .string("/cayenne/oauth/authorize"), "token": .string("/cayenne/oauth/token"),
            "revoke": .string("/cayenne/oauth/revoke"), "api": .string("/cayenne"), "stream": .string("/cayenne/stream/"),
            "tileUrl": tileURL.map(JSONValue.string) ?? .null, "mqttPort": .number(Double(mqttPort)),
        ])
        return ConsoleDialect(
            files: .load(), configuration: ByteBuffer(string: configuration.jsonText),
            headers: securityHeaders(tileOrigin: tileURL.flatMap(HTMLPage.formTarget(redirectingTo:))))
    }

    public func addRoutes(to router: Router<NimbusRequestContext>) {
        Self.openAPI.addRoute(to: router)
        let (files, configuration, headers) = (files, configuration, headers)
        @Sendable func serve(_ path: String) -> Response {
            guard let file = files.files[path] else {
                return HTMLPage(status: .notFound, title: "Not found", body: "<p>No such page in the console.</p>").response()
            }
            var fields = headers
            fields[.contentType] = file.contentType
            // The page itself is never kept; its scripts and styles may be, but are checked again on each use.
            fields[.cacheControl] = path == "index.html" ? "no-store" : "no-cache"
            return Response(status: .ok, headers: fields, body: .init(byteBuffer: file.body))
        }
        // `/console` and `/console/` alike (the router does not tell them apart); the page names its files by
        // absolute paths, so either address loads them.
        router.get("console") { _, _ in serve("index.html") }
        router.get("console/config.json") { _, _ in
            var fields = headers
            fields[.contentType] = "application/json"
            fields[.cacheControl] = "no-store"
            return Response(status: .ok, headers: fields, body: .init(byteBuffer: configuration))
        }
        router.get("console/**") { _, context in
            serve(context.parameters.getCatchAll().joined(separator: "/"))
        }
    }

    /// Scripts, styles, images and connections of this origin only (the stream's WebSocket included: `'self'`
    /// covers `ws:`/`wss:` to the same host), map tiles from the tile server's origin; no inline script or style,
    /// no framing, no `<base>`, forms to this origin.
    static func securityHeaders(tileOrigin: String?) -> HTTPFields {
        var fields = HTMLPage.securityHeaders()
        let images = ["'self'", "data:"] + (tileOrigin.map { [$0] } ?? [])
        fields[.contentSecurityPolicy] = "default-src 'none'; script-src 'self'; style-src 'self'; img-src \(images.joined(separator: " ")); "
            + "connect-src 'self'; manifest-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        return fields
    }
}

import Foundation
import Hummingbird

/// A dialect's OpenAPI document. The JSON file is a resource of the dialect's module and is served
/// byte for byte at `/openapi/<name>.json`, so the file in the repository is the one description of
/// the API: the route tests compare it with the router, and schemathesis runs against it.
public struct OpenAPIDocument: Sendable {
    /// The document's name: `mode` is served at `/openapi/mode.json`.
    public let name: String
    /// The document as stored.
    public let json: ByteBuffer

    /// Reads `<name>.json` from the module's resource bundle. A missing document is a broken build
    /// or install (the `*.resources` folders must stay next to the binary), so the server stops at
    /// start rather than serve an API without its description.
    public init(name: String, bundle: Bundle) {
        guard let url = bundle.url(forResource: name, withExtension: "json"), let data = try? Data(contentsOf: url) else {
            preconditionFailure("the OpenAPI document \(name).json is missing from \(bundle.bundlePath)")
        }
        self.name = name
        self.json = ByteBuffer(bytes: data)
    }

    public var path: String { "/openapi/\(name).json" }

    /// Serves the document to anyone: it is public, and tools in a browser (Swagger UI) may fetch it.
    public func addRoute(to router: Router<NimbusRequestContext>) {
        let json = json
        router.get(RouterPath(path)) { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/json", .accessControlAllowOrigin: "*"],
                body: .init(byteBuffer: json))
        }
    }
}

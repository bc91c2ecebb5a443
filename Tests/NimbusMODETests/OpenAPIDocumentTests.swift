import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NimbusCayenne
import NimbusConsole
import NimbusCore
import NimbusHTTP
import NimbusMODE
import NimbusMQTT
import NimbusWiFiMotion
import Testing

/// The OpenAPI documents against the routers: every route a dialect registers is documented, and
/// every documented operation is a route. WebSocket endpoints count as the `GET` they are (their
/// plain-HTTP refusal is a route of the HTTP router as well).
@Suite("OpenAPI documents")
struct OpenAPIDocumentTests {
    @Test("the MODE document names exactly the MODE routes")
    func modeRoutes() async throws {
        try await Self.withNimbus { nimbus in
            let router = Router(context: NimbusRequestContext.self)
            let webSocketRouter = Router(context: NimbusRequestContext.self)
            ModeDialect(nimbus: nimbus, publicURL: PublicURL("http://127.0.0.1:8080")).addRoutes(to: router, webSocketRouter: webSocketRouter)
            try Self.expectSameOperations(routes: Self.operations(router).union(Self.operations(webSocketRouter)), document: ModeDialect.openAPI)
        }
    }

    @Test("the Cayenne document names exactly the Cayenne routes")
    func cayenneRoutes() async throws {
        try await Self.withNimbus { nimbus in
            let router = Router(context: NimbusRequestContext.self)
            let webSocketRouter = Router(context: NimbusRequestContext.self)
            try CayenneDialect(nimbus: nimbus, publicURL: PublicURL("http://127.0.0.1:8080")).addRoutes(to: router, webSocketRouter: webSocketRouter)
            try Self.expectSameOperations(routes: Self.operations(router).union(Self.operations(webSocketRouter)), document: CayenneDialect.openAPI)
        }
    }

    @Test("the WiFi Motion document names exactly the WiFi Motion routes")
    func wifiMotionRoutes() async throws {
        try await Self.withNimbus { nimbus in
            let router = Router(context: NimbusRequestContext.self)
            let webSocketRouter = Router(context: NimbusRequestContext.self)
            let dialect = try await WiFiMotionDialect.start(nimbus: nimbus, projectName: "wifimotion", publicURL: PublicURL("http://127.0.0.1:8080"))
            dialect.addRoutes(to: router, webSocketRouter: webSocketRouter, hubs: WiFiMotionHubLinks(nimbus: nimbus, broker: MQTTBroker()))
            try Self.expectSameOperations(routes: Self.operations(router).union(Self.operations(webSocketRouter)), document: WiFiMotionDialect.openAPI)
        }
    }

    @Test("the console's document names exactly the console's routes")
    func consoleRoutes() async throws {
        try await Self.withNimbus { nimbus in
            let router = Router(context: NimbusRequestContext.self)
            try await ConsoleDialect.start(nimbus: nimbus, projectName: "console", publicURL: PublicURL("http://127.0.0.1:8080"), tileURL: nil, mqttPort: 1883)
                .addRoutes(to: router)
            try Self.expectSameOperations(routes: Self.operations(router), document: ConsoleDialect.openAPI)
        }
    }

    @Test("the server serves every document as JSON to anyone")
    func served() async throws {
        try await ModeTestWorld.run { client, _ in
            for document in [ModeDialect.openAPI, CayenneDialect.openAPI, WiFiMotionDialect.openAPI, ConsoleDialect.openAPI] {
                let response = try await client.request(.get, document.path)
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/json")
                #expect(response.body == document.json)
                let parsed = try #require(JSONValue(jsonText: String(buffer: response.body)))
                #expect(parsed["openapi"] == "3.1.0")
            }
        }
    }

    // MARK: - Helpers

    static func operations(_ router: Router<NimbusRequestContext>) -> Set<String> {
        Set(router.routes.map { "\($0.method.rawValue) \($0.path)" })
    }

    static let methods = ["get", "put", "post", "delete", "patch", "head", "options", "trace"]

    /// Compares the routes with the document's `paths`, naming each difference.
    static func expectSameOperations(routes: Set<String>, document: OpenAPIDocument) throws {
        let object = try #require(try JSONSerialization.jsonObject(with: Data(document.json.readableBytesView)) as? [String: Any])
        let paths = try #require(object["paths"] as? [String: [String: Any]], "\(document.name).json has no paths")
        let documented = Set(paths.flatMap { path, item in
            item.keys.filter(methods.contains).map { "\($0.uppercased()) \(path)" }
        })
        #expect(!routes.isEmpty)
        #expect(routes.subtracting(documented).sorted() == [], "routes missing from \(document.name).json")
        #expect(documented.subtracting(routes).sorted() == [], "operations in \(document.name).json that no route serves")
    }

    /// A core on a fresh data directory: the dialects need one to be built, not to add their routes.
    static func withNimbus(_ body: (Nimbus) async throws -> Void) async throws {
        var logger = Logger(label: "openapi-test")
        logger.logLevel = .warning
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("nimbus-openapi-\(UUID().uuidString)").path
        try await ModeTestWorld.withNimbus(dataDirectory: directory, logger: logger, body)
    }
}

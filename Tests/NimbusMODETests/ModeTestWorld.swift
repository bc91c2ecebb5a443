import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Metrics
import NIOCore
import NimbusCore
import NimbusMODE
import NimbusServer
import NimbusStore
import Prometheus
import Testing

/// The test process's metrics registry: swift-metrics is bootstrapped once per process, as the executable does.
let testMetrics: PrometheusCollectorRegistry = {
    let registry = PrometheusCollectorRegistry()
    MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
    return registry
}()

/// A Nimbus application on a fresh data directory, with the admin use cases of a second store
/// connection on the same database (as the admin CLI works), and a small MODE client.
struct ModeTestWorld {
    let configuration: ServerConfiguration
    let admin: AdminUseCases

    /// Builds the application and runs `body` against it through the given test framework.
    static func run(_ setup: TestingSetup = .router, _ body: @escaping @Sendable (ModeClient, ModeTestWorld) async throws -> Void) async throws {
        var configuration = ServerConfiguration()
        configuration.dataDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("nimbus-mode-\(UUID().uuidString)").path
        configuration.httpPort = 0
        configuration.mqttPort = 0
        var logger = Logger(label: "mode-test")
        logger.logLevel = .warning
        let app = try await buildApplication(configuration: configuration, logger: logger, metrics: testMetrics)
        try await withNimbus(dataDirectory: configuration.dataDirectory, logger: logger) { nimbus in
            let world = ModeTestWorld(configuration: configuration, admin: nimbus.admin)
            try await app.test(setup) { client in try await body(ModeClient(client: client), world) }
        }
    }

    /// A core of its own on the store in `dataDirectory`, closed afterwards whatever happens.
    static func withNimbus(dataDirectory: String, logger: Logger, _ body: (Nimbus) async throws -> Void) async throws {
        let store = try await SQLStore.open(databaseURL: nil, dataDirectory: dataDirectory, logger: logger)
        let nimbus = Nimbus(environment: CoreEnvironment(
            store: store, bus: InProcessBus(), eventObservers: ModeDialect.eventObservers(wakeOutbox: {}), logger: logger))
        do {
            try await body(nimbus)
        } catch {
            try? await store.close()
            throw error
        }
        try await store.close()
    }

    /// An email project with an app, a device class and a user signed in as the owner of a home.
    func emailProject(_ client: ModeClient) async throws -> (project: Project, token: String, userId: Int, homeId: Int) {
        let project = try await admin.createProject(name: "Test", accountMode: .email, provisioning: .claim, by: .system)
        _ = try await admin.createApp(projectId: project.id, id: "app\(project.id)", name: nil, by: .system)
        _ = try await admin.createDeviceClass(projectId: project.id, id: "lamp", name: nil, by: .system)
        let (token, userId) = try await client.signUpAndIn(projectId: project.id, appId: "app\(project.id)", email: "owner\(project.id)@example.com")
        let home = try await client.json(.post, "/mode/homes", token: token, body: ["name": "Home"], expect: .created)
        return (project, token, userId, try home.int("id"))
    }
}

/// A MODE client over Hummingbird's test client.
struct ModeClient: Sendable {
    let client: any TestClientProtocol

    @discardableResult
    func request(
        _ method: HTTPRequest.Method, _ path: String, token: String? = nil, body: String? = nil, contentType: String = "application/json"
    ) async throws -> TestResponse {
        var headers = HTTPFields()
        if let token { headers[.authorization] = "ModeCloud \(token)" }
        if body != nil { headers[.contentType] = contentType }
        return try await client.execute(uri: path, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
    }

    /// Sends a JSON body, checks the status and returns the parsed answer (`null` when empty).
    @discardableResult
    func json(
        _ method: HTTPRequest.Method, _ path: String, token: String? = nil, body: [String: JSONValue]? = nil,
        expect status: HTTPResponse.Status = .ok, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> JSONValue {
        let response = try await request(method, path, token: token, body: body.map { JSONValue.object($0).jsonText })
        #expect(response.status == status, "\(method) \(path): \(String(buffer: response.body))", sourceLocation: sourceLocation)
        return response.body.readableBytes == 0 ? .null : try #require(JSONValue(jsonText: String(buffer: response.body)))
    }

    /// Sends a request that must fail, and returns MODE's `reason`.
    func failure(
        _ method: HTTPRequest.Method, _ path: String, token: String? = nil, body: String? = nil, contentType: String = "application/json",
        expect status: HTTPResponse.Status, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> String {
        let response = try await request(method, path, token: token, body: body, contentType: contentType)
        #expect(response.status == status, "\(method) \(path): \(String(buffer: response.body))", sourceLocation: sourceLocation)
        let json = try #require(JSONValue(jsonText: String(buffer: response.body)), sourceLocation: sourceLocation)
        return try json.string("reason")
    }

    func signUpAndIn(projectId: Int, appId: String, email: String) async throws -> (token: String, userId: Int) {
        try await json(.post, "/mode/users", body: ["projectId": .number(Double(projectId)), "email": .string(email), "password": "password1", "name": "Tester"], expect: .created)
        let auth = try await json(.post, "/mode/auth/user", body: ["appId": .string(appId), "email": .string(email), "password": "password1"])
        return (try auth.string("token"), try auth.int("userId"))
    }
}

struct MissingField: Error {
    let name: String
}

extension JSONValue {
    func string(_ key: String) throws -> String {
        guard case .string(let value)? = objectValue?[key] else { throw MissingField(name: key) }
        return value
    }

    func int(_ key: String) throws -> Int {
        guard case .number(let value)? = objectValue?[key] else { throw MissingField(name: key) }
        return Int(value)
    }

    subscript(_ key: String) -> JSONValue? { objectValue?[key] }

    var arrayValue: [JSONValue] {
        if case .array(let items) = self { return items }
        return []
    }
}

extension JSONValue: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
}

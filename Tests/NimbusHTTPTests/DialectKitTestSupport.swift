import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import NimbusCore
import NimbusHTTP

@testable import NimbusCayenne
@testable import NimbusMODE

/// One router with both dialects' error rendering, each through the same `DialectErrorMiddleware`,
/// and routes under each prefix that fail in every way a handler can: a core error, the dialect's own
/// error, a store failure, an unexpected error, a body over the limit, a nested JSON body decoded
/// with `JSONBody`.
enum DialectKitRouter {
    struct Boom: Error {}

    /// A nested body: the shape of a rule with conditions, or a batch of registrations.
    struct Batch: Decodable, Equatable {
        struct Item: Decodable, Equatable {
            struct Tag: Decodable, Equatable {
                let name: String
            }

            let id: Int
            let label: String?
            let tags: [Tag]
        }

        let items: [Item]
        let enabled: Bool
    }

    static func make() -> Router<NimbusRequestContext> {
        let router = Router(context: NimbusRequestContext.self)
        router.add(middleware: DialectErrorMiddleware(pathPrefix: ModeDialect.pathPrefix, format: ModeErrorFormat()))
        router.add(middleware: DialectErrorMiddleware(pathPrefix: CayenneDialect.pathPrefix, format: CayenneErrorFormat()))
        for prefix in ["mode", "cayenne", "elsewhere"] {
            let group = router.group(RouterPath(prefix))
            group.get("invalid") { _, _ -> Response in throw NimbusError.invalidInput(field: "name", reason: "required") }
            group.get("missing") { _, _ -> Response in throw NimbusError.notFound("home") }
            group.get("store") { _, _ -> Response in throw NimbusError.storeFailure("disk on fire") }
            group.get("boom") { _, _ -> Response in throw Boom() }
            group.get("oauth") { _, _ -> Response in throw OAuthError.invalidGrant("the code was used") }
            group.post("upload") { request, context -> Response in
                _ = try await request.body.collect(upTo: context.maxUploadSize)
                return Response(status: .noContent)
            }
            group.post("batch") { request, context -> Response in
                let batch = try await JSONBody.decode(Batch.self, from: request, context: context)
                return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "\(batch.items.count)")))
            }
        }
        return router
    }

    /// Runs `body` against the router through Hummingbird's router test framework.
    static func test(_ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        try await Application(router: make()).test(.router, body)
    }
}

extension TestResponse {
    /// The body as a JSON object.
    var json: [String: JSONValue] {
        guard case .object(let object)? = JSONValue(jsonText: String(buffer: body)) else { return [:] }
        return object
    }
}

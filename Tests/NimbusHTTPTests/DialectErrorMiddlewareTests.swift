import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import NimbusCore
import NimbusHTTP
import Testing

/// One middleware type renders MODE's `{"reason", "data"}` under `/mode` and Cayenne's RFC 6749
/// body under `/cayenne`, each with its own statuses, for handler errors and the router's own.
@Suite("Dialect error middleware")
struct DialectErrorMiddlewareTests {
    @Test("MODE's shape and statuses under /mode")
    func mode() async throws {
        try await DialectKitRouter.test { client in
            let invalid = try await client.execute(uri: "/mode/invalid", method: .get)
            #expect(invalid.status == .forbidden)
            #expect(invalid.json == ["reason": .string("INVALID_INPUT"), "data": .object(["field": .string("name"), "message": .string("required")])])
            #expect(invalid.headers[.contentType] == "application/json; charset=utf-8")
            let missing = try await client.execute(uri: "/mode/missing", method: .get)
            #expect(missing.status == .notFound)
            #expect(missing.json == ["reason": .string("NOT_FOUND"), "data": .object(["resource": .string("home")])])
            let unknown = try await client.execute(uri: "/mode/no/such/path", method: .get)
            #expect(unknown.status == .notFound)
            #expect(unknown.json["reason"] == .string("NOT_FOUND"))
            let prefixOnly = try await client.execute(uri: "/mode", method: .get)
            #expect(prefixOnly.json["reason"] == .string("NOT_FOUND"))
            let tooLarge = try await client.execute(uri: "/mode/upload", method: .post, body: ByteBuffer(repeating: 0x61, count: (1 << 20) + 1))
            #expect(tooLarge.status == .contentTooLarge)
            #expect(tooLarge.json["reason"] == .string("REQUEST_TOO_LARGE"))
            for path in ["/mode/store", "/mode/boom", "/mode/oauth"] {
                let failed = try await client.execute(uri: path, method: .get)
                #expect(failed.status == .internalServerError, "\(path)")
                #expect(failed.json == ["reason": .string("INTERNAL_ERROR"), "data": .object([:])], "\(path)")
            }
        }
    }

    /// Cayenne's body: RFC 6749's fields, and hapi/Boom's `statusCode` and `message` that real clients read.
    private func cayenneError(_ status: Int, _ error: String, _ description: String) -> [String: JSONValue] {
        ["statusCode": .number(Double(status)), "error": .string(error), "error_description": .string(description), "message": .string(description)]
    }

    @Test("Cayenne's RFC 6749 shape, with statusCode and message, and statuses under /cayenne")
    func cayenne() async throws {
        try await DialectKitRouter.test { client in
            let invalid = try await client.execute(uri: "/cayenne/invalid", method: .get)
            #expect(invalid.status == .badRequest)
            #expect(invalid.json == cayenneError(400, "invalid_request", "name: required"))
            #expect(invalid.headers[.cacheControl] == "no-store")
            let oauth = try await client.execute(uri: "/cayenne/oauth", method: .get)
            #expect(oauth.status == .badRequest)
            #expect(oauth.json["error"] == .string("invalid_grant"))
            let unknown = try await client.execute(uri: "/cayenne/no/such/path", method: .get)
            #expect(unknown.status == .notFound)
            #expect(unknown.json == cayenneError(404, "not_found", "no such path"))
            let tooLarge = try await client.execute(uri: "/cayenne/upload", method: .post, body: ByteBuffer(repeating: 0x61, count: (1 << 20) + 1))
            #expect(tooLarge.status == .contentTooLarge)
            #expect(tooLarge.json["error"] == .string("invalid_request"))
            for path in ["/cayenne/store", "/cayenne/boom"] {
                let failed = try await client.execute(uri: path, method: .get)
                #expect(failed.status == .internalServerError, "\(path)")
                #expect(failed.json == cayenneError(500, "server_error", "internal error"), "\(path)")
            }
        }
    }

    @Test("paths outside every prefix are left to the router")
    func outside() async throws {
        try await DialectKitRouter.test { client in
            let invalid = try await client.execute(uri: "/elsewhere/invalid", method: .get)
            #expect(invalid.json["reason"] == nil && invalid.json["error"] == nil)
            let lookalike = try await client.execute(uri: "/modelling", method: .get)
            #expect(lookalike.status == .notFound)
            #expect(lookalike.json["reason"] == nil)
        }
    }
}

import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import NimbusCore
import NimbusHTTP
import Testing

/// `JSONBody` decodes nested bodies and names the bad field by its path, in each dialect's format.
@Suite("Typed JSON bodies")
struct JSONBodyTests {
    typealias Batch = DialectKitRouter.Batch

    /// The field and reason `JSONBody` refuses `json` with.
    func refusal(_ json: String) throws -> (field: String, reason: String) {
        do {
            _ = try JSONBody.decode(Batch.self, from: Data(json.utf8))
        } catch NimbusError.invalidInput(let field, let reason) {
            return (field, reason)
        }
        Issue.record("\(json) was accepted")
        return ("", "")
    }

    @Test("a good nested body decodes")
    func good() throws {
        let batch = try JSONBody.decode(Batch.self, from: Data(#"{"items":[{"id":1,"tags":[{"name":"a"}]},{"id":2,"label":"x","tags":[]}],"enabled":true}"#.utf8))
        #expect(batch == Batch(items: [.init(id: 1, label: nil, tags: [.init(name: "a")]), .init(id: 2, label: "x", tags: [])], enabled: true))
    }

    @Test("bad fields are named by their path", arguments: [
        (#"{"items":[{"id":1,"tags":[]},{"id":2,"tags":[{"name":"a"},{}]}],"enabled":true}"#, "items[1].tags[1].name", "required"),
        (#"{"items":[{"id":"7","tags":[]}],"enabled":true}"#, "items[0].id", "must be an integer"),
        (#"{"items":[{"id":1,"label":5,"tags":[]}],"enabled":true}"#, "items[0].label", "must be a string"),
        (#"{"items":[{"id":1,"tags":{}}],"enabled":true}"#, "items[0].tags", "must be an array"),
        (#"{"items":[7],"enabled":true}"#, "items[0]", "must be an object"),
        (#"{"items":[],"enabled":null}"#, "enabled", "required"),
        (#"{"items":[],"enabled":"yes"}"#, "enabled", "must be true or false"),
        (#"{"items":[]}"#, "enabled", "required"),
        (#"[1,2]"#, "body", "must be an object"),
        (#"{"items":[}"#, "body", "must be JSON"),
        ("  \n", "body", "required"),
    ])
    func bad(json: String, field: String, reason: String) throws {
        let refused = try refusal(json)
        #expect(refused.field == field)
        #expect(refused.reason == reason)
    }

    /// Foundation's decoder reports a number its field cannot hold as bad JSON without the path, so
    /// the field is the body, but the reason does not call valid JSON invalid.
    @Test("a number that is no integer is refused as a number, not as bad JSON")
    func fraction() throws {
        let refused = try refusal(#"{"items":[{"id":1.5,"tags":[]}],"enabled":true}"#)
        #expect(refused.field == "items[0].id" || refused.field == "body")
        #expect(refused.reason.contains("number"), "\(refused)")
    }

    @Test("through the router, each dialect renders the bad field in its own format")
    func dialects() async throws {
        try await DialectKitRouter.test { client in
            let body = ByteBuffer(string: #"{"items":[{"id":1,"tags":[{"name":3}]}],"enabled":true}"#)
            let mode = try await client.execute(uri: "/mode/batch", method: .post, body: body)
            #expect(mode.status == .forbidden)
            #expect(mode.json == ["reason": .string("INVALID_INPUT"), "data": .object(["field": .string("items[0].tags[0].name"), "message": .string("must be a string")])])
            let cayenne = try await client.execute(uri: "/cayenne/batch", method: .post, body: body)
            #expect(cayenne.status == .badRequest)
            #expect(cayenne.json["error"] == .string("invalid_request"))
            #expect(cayenne.json["error_description"] == .string("items[0].tags[0].name: must be a string"))
            let good = try await client.execute(uri: "/cayenne/batch", method: .post, body: ByteBuffer(string: #"{"items":[],"enabled":false}"#))
            #expect(good.status == .ok)
            #expect(String(buffer: good.body) == "0")
        }
    }
}

import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NimbusCore
import Testing

@Suite("MODE REST through the router")
struct ModeRESTTests {
    @Test("sign-up, sign-in, session info and /auth")
    func accounts() async throws {
        try await ModeTestWorld.run { client, world in
            let (project, token, userId, _) = try await world.emailProject(client)
            let auth = try await client.json(.get, "/mode/auth", token: token)
            #expect(auth["type"] == "user")
            #expect(try auth.int("userId") == userId)
            #expect(try auth.int("projectId") == project.id)
            let session = try await client.json(.get, "/mode/userSession", token: token)
            #expect(try session.string("appId") == "app\(project.id)")
            #expect(try await client.json(.get, "/mode/auth")["type"] == "nobody")
            let wrong = try await client.failure(
                .post, "/mode/auth/user", body: #"{"appId":"app\#(project.id)","email":"owner\#(project.id)@example.com","password":"nope-nope"}"#,
                expect: .forbidden)
            #expect(wrong == "INCORRECT_PASSWORD")
            let taken = try await client.failure(
                .post, "/mode/users", body: #"{"projectId":\#(project.id),"email":"owner\#(project.id)@example.com","password":"password1"}"#,
                expect: .forbidden)
            #expect(taken == "USER_EXISTS_UNVERIFIED")
            try await client.json(.delete, "/mode/userSession", token: token, expect: .noContent)
            #expect(try await client.failure(.get, "/mode/userSession", token: token, expect: .unauthorized) == "INVALID_AUTH_TOKEN")
        }
    }

    @Test("a form body works wherever JSON does")
    func formBodies() async throws {
        try await ModeTestWorld.run { client, world in
            let (project, _, _, _) = try await world.emailProject(client)
            let response = try await client.request(
                .post, "/mode/auth/user", body: "appId=app\(project.id)&email=owner\(project.id)%40example.com&password=password1",
                contentType: "application/x-www-form-urlencoded")
            #expect(response.status == .ok)
            #expect(String(buffer: response.body).contains("\"token\""))
        }
    }

    @Test("homes list with the range header; members and the last owner")
    func homesAndMembers() async throws {
        try await ModeTestWorld.run { client, world in
            let (project, token, userId, homeId) = try await world.emailProject(client)
            try await client.json(.post, "/mode/homes", token: token, body: ["name": "Cabin"], expect: .created)
            let list = try await client.request(.get, "/mode/homes?userId=\(userId)&skip=1&limit=5", token: token)
            #expect(list.status == .ok)
            #expect(list.headers[HTTPField.Name("vnd.tinkermode.range")!] == "1-1/2")
            #expect(list.headers[.accessControlAllowOrigin] == "*")
            let guest = try await client.json(.post, "/mode/homes/\(homeId)/members", token: token, body: ["email": "guest@example.com"], expect: .created)
            #expect(guest["verified"] == .bool(false))
            #expect(guest["role"] == "member")
            let again = try await client.failure(.post, "/mode/homes/\(homeId)/members", token: token, body: #"{"email":"guest@example.com"}"#, expect: .forbidden)
            #expect(again == "MEMBER_EXISTS")
            #expect(try await client.failure(.delete, "/mode/homes/\(homeId)/members/\(userId)", token: token, expect: .forbidden) == "LAST_OWNER")
            let members = try await client.json(.get, "/mode/homes/\(homeId)/members", token: token)
            #expect(members.arrayValue.count == 2)
            // A user of the same project who is not a member cannot tell that the home exists.
            let (stranger, _) = try await client.signUpAndIn(projectId: project.id, appId: "app\(project.id)", email: "stranger@example.com")
            #expect(try await client.failure(.get, "/mode/homes/\(homeId)", token: stranger, expect: .notFound) == "NOT_FOUND")
        }
    }

    @Test("home key-value pairs")
    func keyValues() async throws {
        try await ModeTestWorld.run { client, world in
            let (_, token, _, homeId) = try await world.emailProject(client)
            try await client.json(.put, "/mode/homes/\(homeId)/kv/color", token: token, body: ["value": .object(["r": .number(1)])], expect: .noContent)
            try await client.json(.put, "/mode/homes/\(homeId)/kv/size", token: token, body: ["value": .number(3)], expect: .noContent)
            let pair = try await client.json(.get, "/mode/homes/\(homeId)/kv/color", token: token)
            #expect(pair["value"] == .object(["r": .number(1)]))
            let filtered = try await client.json(.get, "/mode/homes/\(homeId)/kv?keyPrefix=si", token: token)
            #expect(filtered.arrayValue.map { $0["key"] } == ["size"])
            #expect(try await client.failure(.put, "/mode/homes/\(homeId)/kv/-bad", token: token, body: #"{"value":1}"#, expect: .forbidden) == "INVALID_KEY")
            try await client.json(.delete, "/mode/homes/\(homeId)/kv/size", token: token, expect: .noContent)
            #expect(try await client.failure(.get, "/mode/homes/\(homeId)/kv/size", token: token, expect: .notFound) == "NOT_FOUND")
        }
    }

    @Test("claiming a pre-provisioned device inside its window")
    func claiming() async throws {
        try await ModeTestWorld.run { client, world in
            let (project, token, _, homeId) = try await world.emailProject(client)
            let device = try await world.admin.createDevice(projectId: project.id, deviceClass: "lamp", tag: "SN1", name: nil, by: .system)
            let code = try #require(device.claimCode)
            let closed = try await client.failure(.post, "/mode/devices", token: token, body: #"{"homeId":\#(homeId),"claimCode":"\#(code)"}"#, expect: .forbidden)
            #expect(closed == "DEVICE_NOT_CLAIMABLE")
            let window = try await client.json(
                .post, "/mode/deviceRegistration", token: device.apiKey,
                body: ["deviceId": .number(Double(device.device.id)), "claimable": .bool(true), "duration": .number(60)])
            #expect(window["claimExpirationTime"] != nil)
            let claimed = try await client.json(
                .post, "/mode/devices", token: token, body: ["homeId": .number(Double(homeId)), "claimCode": .string(code.lowercased())], expect: .created)
            #expect(try claimed.int("homeId") == homeId)
            #expect(claimed["apiKey"] == nil, "a claimed device's key is never shown")
            let listed = try await client.json(.get, "/mode/devices?homeId=\(homeId)", token: token)
            #expect(listed.arrayValue.count == 1)
            let fetched = try await client.json(.get, "/mode/devices/\(device.device.id)", token: device.apiKey)
            #expect(fetched["isConnected"] == .bool(false))
        }
    }

    @Test("MODE error bodies for bad input, unknown paths, bad tokens and big bodies")
    func errors() async throws {
        try await ModeTestWorld.run { client, world in
            let (_, token, _, homeId) = try await world.emailProject(client)
            #expect(try await client.failure(.post, "/mode/homes", token: token, body: "{not json", expect: .forbidden) == "INVALID_INPUT")
            #expect(try await client.failure(.post, "/mode/homes", token: token, body: #"{"name":["x"]}"#, expect: .forbidden) == "INVALID_INPUT")
            #expect(try await client.failure(.post, "/mode/homes", token: token, body: "[1,2]", expect: .forbidden) == "INVALID_INPUT")
            // A number where text is wanted is read as its digits, unless it is past 2^53 (1e300 used to trap the server).
            for huge in ["1e300", "-1e19", "9007199254740993"] {
                #expect(try await client.failure(.post, "/mode/homes", token: token, body: #"{"name":\#(huge)}"#, expect: .forbidden) == "INVALID_INPUT")
            }
            #expect(try await client.json(.post, "/mode/homes", token: token, body: ["name": .number(12)], expect: .created)["name"] == "12")
            #expect(try await client.failure(.get, "/mode/no/such/thing", token: token, expect: .notFound) == "NOT_FOUND")
            #expect(try await client.failure(.get, "/mode/homes/abc", token: token, expect: .notFound) == "NOT_FOUND")
            #expect(try await client.failure(.get, "/mode/homes/99999999999", token: token, expect: .notFound) == "NOT_FOUND")
            #expect(try await client.failure(.get, "/mode/homes/\(homeId)", token: "v1.u.forged", expect: .unauthorized) == "INVALID_AUTH_TOKEN")
            #expect(try await client.failure(.get, "/mode/homes/\(homeId)", expect: .unauthorized) == "AUTHORIZATION_REQUIRED")
            let big = #"{"name":""# + String(repeating: "x", count: 1 << 21) + #""}"#
            #expect(try await client.failure(.post, "/mode/homes", token: token, body: big, expect: .contentTooLarge) == "REQUEST_TOO_LARGE")
            #expect(try await client.failure(.get, "/mode/userSession/websocket", token: token, expect: .badRequest) == "WEBSOCKET_REQUIRED")
        }
    }

    @Test("health and metrics")
    func healthAndMetrics() async throws {
        try await ModeTestWorld.run { client, _ in
            let health = try await client.request(.get, "/health")
            #expect(health.status == .ok)
            #expect(String(buffer: health.body) == #"{"status":"ok"}"#)
            let metrics = try await client.request(.get, "/metrics")
            #expect(metrics.status == .ok)
            #expect(String(buffer: metrics.body).contains("hb_requests"))
        }
    }
}

import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NimbusCore
import Testing

/// Each endpoint group with its success path and its main refusals, as docs/mode.md ("Who may call
/// what", "Errors") specifies them: an object the caller may not see is `404 NOT_FOUND`, a visible one
/// it may not change is `403 PERMISSION_DENIED`, the wrong kind of credential is `403 INSUFFICIENT_AUTH`.
@Suite("MODE endpoints one by one")
struct ModeEndpointTests {
    @Test("users: list for admin keys; get, rename, delete for the user themselves")
    func users() async throws {
        try await ModeTestWorld.run { client, world in
            let (project, token, userId, homeId) = try await world.emailProject(client)
            let (other, otherId) = try await client.signUpAndIn(projectId: project.id, appId: "app\(project.id)", email: "other@example.com")
            let admin = try await world.key(project.id, [.admin])
            let events = try await world.key(project.id, [.events])
            let device = try await world.admin.createDevice(projectId: project.id, deviceClass: "lamp", tag: nil, name: nil, by: .system)
            let elsewhere = try await world.admin.createProject(name: "Elsewhere", accountMode: .email, provisioning: .claim, by: .system)

            // GET /users: project keys with `admin` only, and only for their own project.
            let all = try await client.request(.get, "/mode/users?projectId=\(project.id)", token: admin)
            #expect(all.status == .ok)
            #expect(all.headers[rangeHeader] == "0-1/2")
            #expect(try parsedBody(all).arrayValue.map { $0["email"] } == [.string("owner\(project.id)@example.com"), "other@example.com"])
            let found = try await client.json(.get, "/mode/users?search=OTHER", token: admin)
            #expect(found.arrayValue.map { $0["id"] } == [number(otherId)])
            #expect(try await client.failure(.get, "/mode/users", token: token, expect: .forbidden) == "INSUFFICIENT_AUTH")
            #expect(try await client.failure(.get, "/mode/users", token: events, expect: .forbidden) == "PERMISSION_DENIED")
            #expect(try await client.failure(.get, "/mode/users?projectId=\(elsewhere.id)", token: admin, expect: .forbidden) == "PERMISSION_DENIED")

            // GET /users/{id}: the user, an admin key; another user's record does not exist for them.
            let me = try await client.json(.get, "/mode/users/\(userId)", token: token)
            #expect(try me.int("id") == userId)
            #expect(try me.int("projectId") == project.id)
            #expect(me["name"] == "Tester")
            #expect(me["email"] == .string("owner\(project.id)@example.com"))
            #expect(me["verified"] == .bool(false))
            #expect(isModeTime(try me.string("creationTime")))
            #expect(me["password"] == nil && me["passwordHash"] == nil && me["phoneNumber"] == nil)
            #expect(try await client.json(.get, "/mode/users/\(userId)", token: admin)["id"] == number(userId))
            #expect(try await client.failure(.get, "/mode/users/\(otherId)", token: token, expect: .notFound) == "NOT_FOUND")
            #expect(try await client.failure(.get, "/mode/users/\(userId)", token: device.apiKey, expect: .forbidden) == "INSUFFICIENT_AUTH")
            #expect(try await client.failure(.get, "/mode/users/\(userId)", token: events, expect: .forbidden) == "PERMISSION_DENIED")

            // PATCH /users/{id}: `name` and `password` (with `currentPassword`) change; `email` and `verified` are not the user's to set.
            #expect(try await client.invalidField(.patch, "/mode/users/\(userId)", token: token, body: #"{"password":"password2"}"#) == "currentPassword")
            try await client.json(
                .patch, "/mode/users/\(userId)", token: token,
                body: ["name": "Renamed", "password": "password2", "currentPassword": "password1", "email": "thief@example.com", "verified": .bool(true)],
                expect: .noContent)
            let renamed = try await client.json(.get, "/mode/users/\(userId)", token: token)
            #expect(renamed["name"] == "Renamed")
            #expect(renamed["email"] == .string("owner\(project.id)@example.com"))
            #expect(renamed["verified"] == .bool(false))
            #expect(isModeTime(try renamed.string("passwordUpdateTime")))
            #expect(try await client.invalidField(.patch, "/mode/users/\(userId)", token: token, body: #"{"name":["x"]}"#) == "name")
            let long = #"{"name":""# + String(repeating: "x", count: 257) + #""}"#
            #expect(try await client.invalidField(.patch, "/mode/users/\(userId)", token: token, body: long) == "name")
            let short = try await client.failure(.patch, "/mode/users/\(userId)", token: token, body: #"{"password":"short"}"#, expect: .forbidden)
            #expect(short == "PASSWORD_TOO_SHORT")
            #expect(try await client.failure(.patch, "/mode/users/\(otherId)", token: token, body: #"{"name":"x"}"#, expect: .notFound) == "NOT_FOUND")

            // DELETE /users/{id}: the session stops working and the membership goes with the user.
            try await client.json(.post, "/mode/homes/\(homeId)/members", token: token, body: ["email": "other@example.com"], expect: .created)
            #expect(try await client.failure(.delete, "/mode/users/\(otherId)", token: token, expect: .notFound) == "NOT_FOUND")
            #expect(try await client.failure(.delete, "/mode/users/\(otherId)", token: events, expect: .forbidden) == "PERMISSION_DENIED")
            try await client.json(.delete, "/mode/users/\(otherId)", token: other, expect: .noContent)
            #expect(try await client.failure(.get, "/mode/users/\(otherId)", token: other, expect: .unauthorized) == "INVALID_AUTH_TOKEN")
            #expect(try await client.failure(.get, "/mode/users/\(otherId)", token: admin, expect: .notFound) == "NOT_FOUND")
            let members = try await client.json(.get, "/mode/homes/\(homeId)/members", token: token)
            #expect(members.arrayValue.map { $0["userId"] } == [number(userId)])
        }
    }

    @Test("home members: owners and admin keys change roles; owners remove, members leave")
    func members() async throws {
        try await ModeTestWorld.run { client, world in
            let (project, owner, ownerId, homeId) = try await world.emailProject(client)
            let appId = "app\(project.id)"
            let (bob, bobId) = try await client.signUpAndIn(projectId: project.id, appId: appId, email: "bob@example.com")
            let (carol, carolId) = try await client.signUpAndIn(projectId: project.id, appId: appId, email: "carol@example.com")
            let (stranger, strangerId) = try await client.signUpAndIn(projectId: project.id, appId: appId, email: "stranger@example.com")
            for email in ["bob@example.com", "carol@example.com"] {
                try await client.json(.post, "/mode/homes/\(homeId)/members", token: owner, body: ["email": .string(email)], expect: .created)
            }
            let admin = try await world.key(project.id, [.admin])
            let events = try await world.key(project.id, [.events])
            let member = { (id: Int) in "/mode/homes/\(homeId)/members/\(id)" }
            let toOwner = #"{"role":"owner"}"#
            /// The role `GET /homes/{id}/members/{userId}` reports.
            let role = { (id: Int) in try await client.json(.get, member(id), token: owner)["role"] }

            // PATCH: a plain member may see the home but not manage it; a stranger may not see it.
            #expect(try await client.failure(.patch, member(carolId), token: bob, body: toOwner, expect: .forbidden) == "PERMISSION_DENIED")
            #expect(try await client.failure(.patch, member(carolId), token: stranger, body: toOwner, expect: .notFound) == "NOT_FOUND")
            #expect(try await client.failure(.patch, member(carolId), token: events, body: toOwner, expect: .forbidden) == "PERMISSION_DENIED")
            #expect(try await client.invalidField(.patch, member(bobId), token: owner, body: #"{"role":"admin"}"#) == "role")
            #expect(try await client.invalidField(.patch, member(bobId), token: owner, body: "{}") == "role")
            #expect(try await client.failure(.patch, member(strangerId), token: owner, body: toOwner, expect: .notFound) == "NOT_FOUND")

            // The owner promotes Bob, who then demotes the first owner, who can then manage nothing.
            try await client.json(.patch, member(bobId), token: owner, body: ["role": "owner"], expect: .noContent)
            #expect(try await role(bobId) == "owner")
            try await client.json(.patch, member(ownerId), token: bob, body: ["role": "member"], expect: .noContent)
            #expect(try await role(ownerId) == "member")
            #expect(try await client.failure(.patch, member(carolId), token: owner, body: toOwner, expect: .forbidden) == "PERMISSION_DENIED")
            try await client.json(.patch, member(ownerId), token: admin, body: ["role": "owner"], expect: .noContent)
            #expect(try await role(ownerId) == "owner")

            // DELETE: a member may leave but not remove others; an owner removes anyone (but the last owner).
            #expect(try await client.failure(.delete, member(ownerId), token: carol, expect: .forbidden) == "PERMISSION_DENIED")
            #expect(try await client.failure(.delete, member(carolId), token: stranger, expect: .notFound) == "NOT_FOUND")
            #expect(try await client.failure(.delete, member(strangerId), token: owner, expect: .notFound) == "NOT_FOUND")
            try await client.json(.delete, member(carolId), token: carol, expect: .noContent)
            try await client.json(.delete, member(bobId), token: owner, expect: .noContent)
            #expect(try await client.failure(.get, member(bobId), token: owner, expect: .notFound) == "NOT_FOUND")
            #expect(try await client.failure(.get, "/mode/homes/\(homeId)", token: bob, expect: .notFound) == "NOT_FOUND")
            let left = try await client.json(.get, "/mode/homes/\(homeId)/members", token: owner)
            #expect(left.arrayValue.map { $0["userId"] } == [number(ownerId)])
        }
    }

    @Test("smart modules: public fields of the project's modules, never the webhook key")
    func smartModules() async throws {
        try await ModeTestWorld.run { client, world in
            let (project, token, _, homeId) = try await world.emailProject(client)
            // As `nimbus smart-module create --type webhooks --url … --key … --events doorOpened,doorClosed` does.
            let secret = "s3cret-signing-key"
            let config: [String: JSONValue] = ["url": "https://hooks.example.com/mode", "key": .string(secret)]
            _ = try await world.admin.createSmartModule(
                projectId: project.id, id: "doors", moduleType: "webhooks", description: "Door webhooks",
                subscribedEvents: ["doorOpened", "doorClosed"], configData: config, by: .system)
            _ = try await world.admin.createSmartModule(
                projectId: project.id, id: "all-events", moduleType: "webhooks", description: nil, subscribedEvents: [], configData: config, by: .system)
            let elsewhere = try await world.admin.createProject(name: "Elsewhere", accountMode: .email, provisioning: .claim, by: .system)
            _ = try await world.admin.createSmartModule(
                projectId: elsewhere.id, id: "theirs", moduleType: "webhooks", description: nil, subscribedEvents: [], configData: config, by: .system)
            let modules = "/mode/homes/\(homeId)/smartModules"

            let list = try await client.request(.get, modules, token: token)
            #expect(list.status == .ok)
            #expect(list.headers[rangeHeader] == "0-1/2")
            #expect(!String(buffer: list.body).contains(secret) && !String(buffer: list.body).contains("hooks.example.com"))
            let listed = try parsedBody(list).arrayValue
            #expect(listed.map { $0["id"] } == ["all-events", "doors"], "the project's modules by id, not another project's")
            #expect(listed.first?["subscribedEvents"] == .array(["*"]), "no events given means all")
            #expect(listed.first?["description"] == "")

            let doors = try await client.request(.get, "\(modules)/doors", token: token)
            #expect(doors.status == .ok)
            #expect(!String(buffer: doors.body).contains(secret))
            let module = try parsedBody(doors)
            #expect(Set(module.objectValue?.keys.map { $0 } ?? []) == ["id", "moduleType", "description", "suspended", "subscribedEvents", "creationTime"])
            #expect(module["moduleType"] == "webhooks" && module["description"] == "Door webhooks" && module["suspended"] == .bool(false))
            #expect(module["subscribedEvents"] == .array(["doorOpened", "doorClosed"]))
            #expect(isModeTime(try module.string("creationTime")))
            #expect(module == listed.last, "the list and the single module agree")

            // `skip`/`limit` like every list.
            let second = try await client.request(.get, "\(modules)?skip=1&limit=1", token: token)
            #expect(second.headers[rangeHeader] == "1-1/2")
            #expect(try parsedBody(second).arrayValue.map { $0["id"] } == ["doors"])

            // Any project key may read; a stranger or a device may not; unknown ids are 404.
            let events = try await world.key(project.id, [.events])
            #expect(try await client.json(.get, "\(modules)/doors", token: events) == module)
            let (stranger, _) = try await client.signUpAndIn(projectId: project.id, appId: "app\(project.id)", email: "stranger@example.com")
            #expect(try await client.failure(.get, modules, token: stranger, expect: .notFound) == "NOT_FOUND")
            let device = try await world.admin.createDevice(projectId: project.id, deviceClass: "lamp", tag: nil, name: nil, by: .system)
            #expect(try await client.failure(.get, modules, token: device.apiKey, expect: .forbidden) == "INSUFFICIENT_AUTH")
            #expect(try await client.failure(.get, "\(modules)/nope", token: token, expect: .notFound) == "NOT_FOUND")
            #expect(try await client.failure(.get, "\(modules)/theirs", token: token, expect: .notFound) == "NOT_FOUND")
            #expect(try await client.failure(.get, "/mode/homes/\(homeId + 100)/smartModules", token: token, expect: .notFound) == "NOT_FOUND")
        }
    }
}

// MARK: - Helpers shared with ModeEndpointTests+Devices.swift

let rangeHeader = HTTPField.Name("vnd.tinkermode.range")!

/// A JSON number for an id, as the server writes it.
func number(_ value: Int) -> JSONValue { .number(Double(value)) }

/// The parsed body of a response.
func parsedBody(_ response: TestResponse) throws -> JSONValue {
    try #require(JSONValue(jsonText: String(buffer: response.body)))
}

/// RFC 3339 in UTC with milliseconds, as docs/mode.md promises for every timestamp.
func isModeTime(_ text: String) -> Bool {
    text.wholeMatch(of: #/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/#) != nil
}

extension ModeTestWorld {
    /// A project API key with the given permissions, as `nimbus key create` makes one.
    func key(_ projectId: Int, _ permissions: Set<ProjectKey.Permission>) async throws -> String {
        try await admin.createKey(projectId: projectId, name: "backend", permissions: permissions, by: .system).secret
    }

    /// A pre-provisioned `lamp` placed in a home by an admin key (`PATCH /devices/{id} {homeId}`).
    func deviceInHome(_ client: ModeClient, projectId: Int, homeId: Int, adminKey: String, tag: String = "SN1") async throws -> IssuedDevice {
        let issued = try await admin.createDevice(projectId: projectId, deviceClass: "lamp", tag: tag, name: nil, by: .system)
        try await client.json(.patch, "/mode/devices/\(issued.device.id)", token: adminKey, body: ["homeId": number(homeId)], expect: .noContent)
        return issued
    }
}

extension ModeClient {
    /// Sends a request that must fail with `403 INVALID_INPUT`, and returns the `data.field` it names.
    func invalidField(
        _ method: HTTPRequest.Method, _ path: String, token: String, body: String? = nil, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> String? {
        let response = try await request(method, path, token: token, body: body)
        #expect(response.status == .forbidden, "\(method) \(path): \(String(buffer: response.body))", sourceLocation: sourceLocation)
        let error = try #require(JSONValue(jsonText: String(buffer: response.body)), sourceLocation: sourceLocation)
        #expect(error["reason"] == "INVALID_INPUT", sourceLocation: sourceLocation)
        guard case .string(let field)? = error["data"]?["field"] else { return nil }
        return field
    }
}

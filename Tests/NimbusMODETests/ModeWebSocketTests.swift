import Foundation
import Hummingbird
import HummingbirdTesting
import HummingbirdWSTesting
import HummingbirdWebSocket
import NIOWebSocket
import NimbusCore
import Testing

@Suite("MODE WebSockets on a live server")
struct ModeWebSocketTests {
    /// Claims a new device into the home and returns its id and API key.
    func claimedDevice(_ client: ModeClient, _ world: ModeTestWorld, projectId: Int, homeId: Int, token: String) async throws -> (Int, String) {
        let device = try await world.admin.createDevice(projectId: projectId, deviceClass: "lamp", tag: nil, name: nil, by: .system)
        try await client.json(
            .post, "/mode/deviceRegistration", token: device.apiKey,
            body: ["deviceId": .number(Double(device.device.id)), "claimable": .bool(true), "duration": .number(60)])
        try await client.json(
            .post, "/mode/devices", token: token, body: ["homeId": .number(Double(homeId)), "claimCode": .string(device.claimCode ?? "")], expect: .created)
        return (device.device.id, device.apiKey)
    }

    /// Waits until the device's record says it is connected (the server subscribed it).
    func waitUntilConnected(_ client: ModeClient, deviceId: Int, token: String, connected: Bool = true) async throws {
        for _ in 0..<100 {
            if try await client.json(.get, "/mode/devices/\(deviceId)", token: token)["isConnected"] == .bool(connected) { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("device \(deviceId) never became isConnected=\(connected)")
    }

    @Test("a command reaches the device's WebSocket; without one the device is offline")
    func commands() async throws {
        try await ModeTestWorld.run(.live) { client, world in
            let (project, token, _, homeId) = try await world.emailProject(client)
            let (deviceId, apiKey) = try await claimedDevice(client, world, projectId: project.id, homeId: homeId, token: token)
            let offline = try await client.failure(.put, "/mode/devices/\(deviceId)/command", token: token, body: #"{"action":"on"}"#, expect: .conflict)
            #expect(offline == "DEVICE_OFFLINE")
            try await client.client.ws("/mode/devices/\(deviceId)/command?authToken=\(apiKey)") { inbound, _, _ in
                try await waitUntilConnected(client, deviceId: deviceId, token: token)
                try await client.json(
                    .put, "/mode/devices/\(deviceId)/command", token: token,
                    body: ["action": "on", "parameters": .object(["level": .number(7)])], expect: .noContent)
                var messages = inbound.messages(maxSize: 1 << 16).makeAsyncIterator()
                guard case .text(let text)? = try await messages.next() else { throw MissingField(name: "command frame") }
                let command = try #require(JSONValue(jsonText: text))
                #expect(command == .object(["action": "on", "parameters": .object(["level": .number(7)])]))
            }
            try await waitUntilConnected(client, deviceId: deviceId, token: token, connected: false)
            let record = try await client.json(.get, "/mode/devices/\(deviceId)", token: token)
            #expect(record["lastConnectTime"] != nil)
            #expect(record["lastDisconnectTime"] != nil)
        }
    }

    @Test("a device event reaches a member's event stream with the server's fields")
    func events() async throws {
        try await ModeTestWorld.run(.live) { client, world in
            let (project, token, _, homeId) = try await world.emailProject(client)
            let (deviceId, apiKey) = try await claimedDevice(client, world, projectId: project.id, homeId: homeId, token: token)
            try await client.client.ws("/mode/userSession/websocket?authToken=\(token)") { inbound, _, _ in
                var messages = inbound.messages(maxSize: 1 << 16).makeAsyncIterator()
                // The stream subscribes right after the upgrade; send until the first event arrives.
                let sender = Task {
                    for _ in 0..<50 {
                        try await client.json(
                            .put, "/mode/devices/\(deviceId)/event", token: apiKey,
                            body: ["eventType": "temp", "eventData": .object(["c": .number(21.5)])], expect: .noContent)
                        try await Task.sleep(for: .milliseconds(50))
                    }
                }
                defer { sender.cancel() }
                guard case .text(let text)? = try await messages.next() else { throw MissingField(name: "event frame") }
                let event = try #require(JSONValue(jsonText: text))
                #expect(event["eventType"] == "temp")
                #expect(event["eventData"] == .object(["c": .number(21.5)]))
                #expect(try event.int("homeId") == homeId)
                #expect(try event.int("originDeviceId") == deviceId)
                #expect(event["originDeviceClass"] == "lamp")
                #expect(try event.string("timestamp").hasSuffix("Z"))
            }
        }
    }

    @Test("ending the session closes its event stream")
    func revocation() async throws {
        try await ModeTestWorld.run(.live) { client, world in
            let (_, token, _, _) = try await world.emailProject(client)
            let closeFrame = try await client.client.ws("/mode/userSession/websocket?authToken=\(token)") { inbound, _, _ in
                try await Task.sleep(for: .milliseconds(100))
                try await client.json(.delete, "/mode/userSession", token: token, expect: .noContent)
                for try await _ in inbound.messages(maxSize: 1 << 16) {}
            }
            #expect(closeFrame?.closeCode == .policyViolation)
        }
    }

    @Test("a refused handshake answers with MODE's status and reason")
    func refusedHandshakes() async throws {
        try await ModeTestWorld.run(.live) { client, world in
            let (project, token, _, homeId) = try await world.emailProject(client)
            let (deviceId, _) = try await claimedDevice(client, world, projectId: project.id, homeId: homeId, token: token)
            let upgrade: HTTPFields = [
                .connection: "Upgrade", .upgrade: "websocket", .secWebSocketVersion: "13", .secWebSocketKey: "dGhlIHNhbXBsZSBub25jZQ==",
            ]
            let cases: [(path: String, status: HTTPResponse.Status, reason: String)] = [
                ("/mode/userSession/websocket", .unauthorized, "AUTHORIZATION_REQUIRED"),
                ("/mode/userSession/websocket?authToken=v1.u.nonsense", .unauthorized, "INVALID_AUTH_TOKEN"),
                ("/mode/devices/\(deviceId)/command?authToken=\(token)", .forbidden, "INSUFFICIENT_AUTH"),
            ]
            for (path, status, reason) in cases {
                let response = try await client.client.execute(uri: path, method: .get, headers: upgrade, body: nil)
                #expect(response.status == status, "\(path)")
                let body = try #require(JSONValue(jsonText: String(buffer: response.body)), "\(path)")
                #expect(try body.string("reason") == reason, "\(path)")
            }
        }
    }
}

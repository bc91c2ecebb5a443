import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NimbusCore
import Testing

/// Devices and their key-value pairs; the same suite as ModeEndpointTests.swift.
extension ModeEndpointTests {
    @Test("devices: members rename and delete; who may list; a deleted device's key stops working")
    func devices() async throws {
        try await ModeTestWorld.run { client, world in
            let (project, token, _, homeId) = try await world.emailProject(client)
            let admin = try await world.key(project.id, [.admin])
            let events = try await world.key(project.id, [.events])
            let lamp = try await world.deviceInHome(client, projectId: project.id, homeId: homeId, adminKey: admin)
            let spare = try await world.admin.createDevice(projectId: project.id, deviceClass: "lamp", tag: "SN2", name: nil, by: .system)
            let (stranger, _) = try await client.signUpAndIn(projectId: project.id, appId: "app\(project.id)", email: "stranger@example.com")
            let cabin = try await client.json(.post, "/mode/homes", token: token, body: ["name": "Cabin"], expect: .created)
            let path = "/mode/devices/\(lamp.device.id)"

            // PATCH: a member sets `name` and `tag`; class and project are not changed through it.
            try await client.json(
                .patch, path, token: token, body: ["name": "Kitchen lamp", "tag": "kitchen", "deviceClass": "heater", "projectId": number(999)],
                expect: .noContent)
            let device = try await client.json(.get, path, token: token)
            #expect(device["name"] == "Kitchen lamp" && device["tag"] == "kitchen" && device["deviceClass"] == "lamp")
            #expect(device["projectId"] == number(project.id) && device["homeId"] == number(homeId))
            #expect(device["isConnected"] == .bool(false))
            #expect(isModeTime(try device.string("creationTime")))
            #expect(device["apiKey"] == nil && device["claimCode"] == nil, "secrets are shown only at creation")
            // Moving a device to another home takes an admin key.
            let move = #"{"homeId":\#(try cabin.int("id"))}"#
            #expect(try await client.failure(.patch, path, token: token, body: move, expect: .forbidden) == "PERMISSION_DENIED")
            #expect(try await client.failure(.patch, path, token: admin, body: #"{"homeId":999999}"#, expect: .notFound) == "NOT_FOUND")
            #expect(try await client.failure(.patch, path, token: lamp.apiKey, body: #"{"name":"x"}"#, expect: .forbidden) == "INSUFFICIENT_AUTH")
            #expect(try await client.failure(.patch, path, token: stranger, body: #"{"name":"x"}"#, expect: .notFound) == "NOT_FOUND")
            #expect(try await client.failure(.patch, path, token: events, body: #"{"name":"x"}"#, expect: .forbidden) == "PERMISSION_DENIED")
            #expect(try await client.invalidField(.patch, path, token: token, body: #"{"tag":["x"]}"#) == "tag")
            let long = #"{"name":""# + String(repeating: "x", count: 257) + #""}"#
            #expect(try await client.invalidField(.patch, path, token: token, body: long) == "name")
            #expect(try await client.json(.get, path, token: token)["name"] == "Kitchen lamp", "refused changes change nothing")

            // GET /devices: a member lists a home's devices; only project keys list the whole project.
            let inHome = try await client.request(.get, "/mode/devices?homeId=\(homeId)", token: token)
            #expect(inHome.headers[rangeHeader] == "0-0/1")
            #expect(try parsedBody(inHome).arrayValue.map { $0["id"] } == [number(lamp.device.id)])
            let everything = try await client.json(.get, "/mode/devices", token: events)
            #expect(everything.arrayValue.map { $0["id"] } == [number(lamp.device.id), number(spare.device.id)])
            #expect(try await client.invalidField(.get, "/mode/devices", token: token) == "homeId")
            #expect(try await client.failure(.get, "/mode/devices?homeId=\(homeId)", token: stranger, expect: .notFound) == "NOT_FOUND")
            #expect(try await client.failure(.get, "/mode/devices", token: lamp.apiKey, expect: .forbidden) == "INSUFFICIENT_AUTH")

            // DELETE: members and admin keys only; afterwards the record is gone and the key is dead.
            #expect(try await client.failure(.delete, path, token: stranger, expect: .notFound) == "NOT_FOUND")
            #expect(try await client.failure(.delete, path, token: lamp.apiKey, expect: .forbidden) == "INSUFFICIENT_AUTH")
            #expect(try await client.failure(.delete, path, token: events, expect: .forbidden) == "PERMISSION_DENIED")
            #expect(try await client.json(.get, path, token: lamp.apiKey)["id"] == number(lamp.device.id), "the key works until the delete")
            try await client.json(.delete, path, token: token, expect: .noContent)
            #expect(try await client.failure(.get, path, token: token, expect: .notFound) == "NOT_FOUND")
            #expect(try await client.failure(.get, path, token: lamp.apiKey, expect: .unauthorized) == "INVALID_AUTH_TOKEN")
            let empty = try await client.request(.get, "/mode/devices?homeId=\(homeId)", token: token)
            #expect(empty.headers[rangeHeader] == "*/0")
            #expect(try await client.failure(.delete, path, token: token, expect: .notFound) == "NOT_FOUND")
        }
    }

    @Test("device key-value pairs: the device and its home's members read and write; key rules; strangers refused")
    func deviceKeyValues() async throws {
        try await ModeTestWorld.run { client, world in
            let (project, token, _, homeId) = try await world.emailProject(client)
            let lamp = try await world.deviceInHome(client, projectId: project.id, homeId: homeId, adminKey: try await world.key(project.id, [.admin]))
            let other = try await world.admin.createDevice(projectId: project.id, deviceClass: "lamp", tag: "SN2", name: nil, by: .system)
            let (stranger, _) = try await client.signUpAndIn(projectId: project.id, appId: "app\(project.id)", email: "stranger@example.com")
            let reader = try await world.key(project.id, [.events])
            let writer = try await world.key(project.id, [.kv])
            let kv = "/mode/devices/\(lamp.device.id)/kv"
            let keys = { (path: String, caller: String) in try await client.json(.get, path, token: caller).arrayValue.map { $0["key"] } }

            // The device writes, a member reads it back, and the other way round; a key with `kv` writes too.
            try await client.json(.put, "\(kv)/mode", token: lamp.apiKey, body: ["value": "eco"], expect: .noContent)
            let pair = try await client.json(.get, "\(kv)/mode", token: token)
            #expect(pair["key"] == "mode" && pair["value"] == "eco")
            #expect(isModeTime(try pair.string("modificationTime")))
            try await client.json(.put, "\(kv)/mode-target", token: token, body: ["value": .object(["celsius": number(21)])], expect: .noContent)
            #expect(try await client.json(.get, "\(kv)/mode-target", token: lamp.apiKey)["value"] == .object(["celsius": number(21)]))
            try await client.json(.put, "\(kv)/brightness", token: writer, body: ["value": number(80)], expect: .noContent)
            try await client.json(.put, "\(kv)/mode", token: token, body: ["value": "boost"], expect: .noContent)
            #expect(try await client.json(.get, "\(kv)/mode", token: reader)["value"] == "boost", "a key without `kv` still reads")

            // Lists are sorted by key and filtered by `keyPrefix`; the device's pairs are not the home's.
            #expect(try await keys(kv, lamp.apiKey) == ["brightness", "mode", "mode-target"])
            #expect(try await keys("\(kv)?keyPrefix=mode", token) == ["mode", "mode-target"])
            #expect(try await keys("\(kv)?keyPrefix=mode-", token) == ["mode-target"])
            #expect(try await keys("\(kv)?keyPrefix=zzz", token).isEmpty)
            #expect(try await keys("/mode/homes/\(homeId)/kv", token).isEmpty)

            // Key rules (letters, digits, `_`, `-`; a letter or digit at both ends; at most 64) and values.
            for bad in ["-mode", "mode_", "a.b", String(repeating: "k", count: 65)] {
                #expect(try await client.failure(.put, "\(kv)/\(bad)", token: lamp.apiKey, body: #"{"value":1}"#, expect: .forbidden) == "INVALID_KEY", "\(bad)")
            }
            try await client.json(.put, "\(kv)/\(String(repeating: "k", count: 64))", token: lamp.apiKey, body: ["value": number(1)], expect: .noContent)
            #expect(try await client.invalidField(.put, "\(kv)/mode", token: token, body: #"{"value":null}"#) == "value")
            #expect(try await client.invalidField(.put, "\(kv)/mode", token: token, body: "{}") == "value")

            // A stranger or another device cannot see the pairs; a key without `kv` cannot write them.
            #expect(try await client.failure(.get, kv, token: stranger, expect: .notFound) == "NOT_FOUND")
            #expect(try await client.failure(.get, "\(kv)/mode", token: other.apiKey, expect: .notFound) == "NOT_FOUND")
            #expect(try await client.failure(.put, "\(kv)/mode", token: stranger, body: #"{"value":1}"#, expect: .notFound) == "NOT_FOUND")
            #expect(try await client.failure(.delete, "\(kv)/mode", token: stranger, expect: .notFound) == "NOT_FOUND")
            #expect(try await client.failure(.put, "\(kv)/mode", token: reader, body: #"{"value":1}"#, expect: .forbidden) == "PERMISSION_DENIED")
            #expect(try await client.failure(.delete, "\(kv)/mode", token: reader, expect: .forbidden) == "PERMISSION_DENIED")

            // DELETE by the device; then the pair is gone for everyone.
            try await client.json(.delete, "\(kv)/mode", token: lamp.apiKey, expect: .noContent)
            #expect(try await client.failure(.get, "\(kv)/mode", token: token, expect: .notFound) == "NOT_FOUND")
            #expect(try await client.failure(.delete, "\(kv)/mode", token: token, expect: .notFound) == "NOT_FOUND")
            try await client.json(.delete, "\(kv)/brightness", token: token, expect: .noContent)
            #expect(try await keys("\(kv)?keyPrefix=m", lamp.apiKey) == ["mode-target"])
        }
    }
}

import Foundation
import NimbusCore
import NimbusStore
import Testing

/// The Cayenne tables of migration 8: things (devices with thing fields and children), thing types with their
/// channels, accounts' MQTT credentials, readings — on SQLite, and on PostgreSQL when it is configured.
@Suite("SQL store: things, types, MQTT credentials, readings")
struct SQLThingStoreTests {
    let now = SystemWallClock().now()

    func account(_ store: SQLStore) async throws -> (projectId: Int, homeId: Int) {
        try await store.write { tx in
            let project = try await tx.projects.insert(name: "p", accountMode: .email, provisioning: .claim, at: now)
            let home = try await tx.homes.insert(projectId: project.id, name: "account", at: now)
            return (project.id, home.id)
        }
    }

    func thing(_ account: (projectId: Int, homeId: Int), parent: Int? = nil, channel: String? = nil, hardwareId: String? = nil) -> Device {
        Device(
            id: 0, uuid: UUID(), projectId: account.projectId, deviceClass: ThingType.genericDeviceId.lowercaseString, name: "thing", tag: "",
            homeId: account.homeId, apiKeyHash: Secrets.hash(UUID().uuidString), claimCodeHash: nil, claimTime: now, claimExpirationTime: nil,
            isConnected: false, lastConnectTime: nil, lastDisconnectTime: nil, creationTime: now, parentId: parent, channel: channel,
            hardwareId: hardwareId, properties: ["codec": .string("lpp"), "channel": channel.map(JSONValue.string) ?? .null], updateTime: now)
    }

    @Test("things keep their fields; children are found by parent and channel; only top-level things are listed", arguments: StoreBackend.available)
    func things(backend: StoreBackend) async throws {
        try await withStore(backend) { store in
            let account = try await account(store)
            let (parent, child) = try await store.write { tx in
                let parent = try await tx.devices.insert(thing(account, hardwareId: "00-11"))
                let child = try await tx.devices.insert(thing(account, parent: parent.id, channel: "3"))
                return (parent, child)
            }
            try await store.write { tx in
                var deactivated = parent
                deactivated.status = .deactivated
                deactivated.deactivationTime = now
                deactivated.properties = ["network": .string("ttn")]
                try await tx.devices.update(deactivated)
                try await tx.devices.setLastOnline(ids: [child.id], at: now)
            }
            try await store.read { tx async throws in
                let stored = try #require(try await tx.devices.find(uuid: parent.uuid))
                #expect(stored.status == .deactivated && stored.deactivationTime != nil && stored.hardwareId == "00-11")
                #expect(stored.properties == ["network": .string("ttn")])
                #expect(try await tx.devices.child(of: parent.id, channel: "3")?.id == child.id)
                #expect(try await tx.devices.child(of: parent.id, channel: "4") == nil)
                #expect(try await tx.devices.children(of: [parent.id]).map(\.id) == [child.id])
                #expect(try await tx.devices.find(homeId: account.homeId, hardwareId: "00-11")?.id == parent.id)
                #expect(try await tx.devices.get(id: child.id)?.lastOnline != nil)
                let listed = try await tx.devices.list(projectId: account.projectId, homeId: account.homeId, page: PageRequest())
                #expect(listed.items.map(\.id) == [parent.id] && listed.total == 1)
            }
            // Deleting the thing takes its children with it.
            try await store.write { tx in try await tx.devices.delete(id: parent.id) }
            #expect(try await store.read { tx in try await tx.devices.get(id: child.id) } == nil)
        }
    }

    @Test("thing types: the project's and the account's own are listed, channels are kept in order", arguments: StoreBackend.available)
    func types(backend: StoreBackend) async throws {
        try await withStore(backend) { store in
            let account = try await account(store)
            let other = try await store.write { tx in try await tx.homes.insert(projectId: account.projectId, name: "other", at: now) }
            func type(home: Int?, name: String) -> ThingType {
                ThingType(
                    id: UUID(), projectId: account.projectId, homeId: home, name: name, description: "", category: "module", subcategory: nil,
                    transportProtocol: "mqtt", protocolVersion: "3.1.1", model: nil, version: "2", manufacturer: nil, codec: "lpp",
                    dataType: nil, parentConstraint: .notAllowed, childConstraint: .allowed, properties: ["k": .number(1)],
                    creationTime: now, updateTime: now)
            }
            let (mine, shared, theirs) = (type(home: account.homeId, name: "mine"), type(home: nil, name: "shared"), type(home: other.id, name: "theirs"))
            try await store.write { tx in
                for type in [mine, shared, theirs] { try await tx.thingTypes.insert(type) }
                _ = try await tx.thingTypes.insertChannel(ThingTypeChannel(id: 0, typeId: mine.id, channel: "1", name: "Level", dataType: "tl", ipso: nil))
                _ = try await tx.thingTypes.insertChannel(ThingTypeChannel(id: 0, typeId: mine.id, channel: "2", name: "Battery", dataType: "batt", ipso: "3316"))
            }
            try await store.read { tx async throws in
                #expect(Set(try await tx.thingTypes.list(projectId: account.projectId, homeId: account.homeId).map(\.name)) == ["mine", "shared"])
                let stored = try #require(try await tx.thingTypes.get(id: mine.id, projectId: account.projectId))
                #expect(stored.codec == "lpp" && stored.parentConstraint == .notAllowed && stored.properties == ["k": .number(1)])
                #expect(try await tx.thingTypes.get(id: mine.id, projectId: account.projectId + 1) == nil)
                #expect(try await tx.thingTypes.channels(typeId: mine.id).map(\.name) == ["Level", "Battery"])
                #expect(try await tx.thingTypes.thingCount(typeId: mine.id) == 0)
            }
            try await store.write { tx in try await tx.thingTypes.delete(id: mine.id) }
            #expect(try await store.read { tx in try await tx.thingTypes.channels(typeId: mine.id) }.isEmpty)
        }
    }

    @Test("one MQTT credential per account, found by id and by account, rotated in place", arguments: StoreBackend.available)
    func mqttClients(backend: StoreBackend) async throws {
        try await withStore(backend) { store in
            let account = try await account(store)
            let box = SecretBox.ephemeral()
            let client = AccountMQTTClient(
                id: UUID(), projectId: account.projectId, homeId: account.homeId, secretHash: Secrets.hash("s1"),
                sealedSecret: try box.seal("s1"), creationTime: now, rotationTime: nil)
            try await store.write { tx in try await tx.mqttClients.insert(client) }
            await #expect(throws: (any Error).self) {
                try await store.write { tx in try await tx.mqttClients.insert(AccountMQTTClient(
                    id: UUID(), projectId: account.projectId, homeId: account.homeId, secretHash: "x", sealedSecret: "x", creationTime: now, rotationTime: nil))
                }
            }
            var rotated = client
            rotated.secretHash = Secrets.hash("s2")
            rotated.sealedSecret = try box.seal("s2")
            rotated.rotationTime = now
            try await store.write { [rotated] tx in try await tx.mqttClients.update(rotated) }
            try await store.read { tx async throws in
                let stored = try #require(try await tx.mqttClients.get(id: client.id))
                #expect(stored.secretHash == Secrets.hash("s2") && box.open(stored.sealedSecret) == "s2")
                #expect(try await tx.mqttClients.find(homeId: account.homeId)?.id == client.id)
            }
        }
    }

    @Test("readings keep one number, several or text, newest first per thing and per sensor", arguments: StoreBackend.available)
    func readings(backend: StoreBackend) async throws {
        try await withStore(backend) { store in
            let account = try await account(store)
            let (parent, first, second) = try await store.write { tx in
                let parent = try await tx.devices.insert(thing(account))
                return (parent, try await tx.devices.insert(thing(account, parent: parent.id, channel: "1")),
                        try await tx.devices.insert(thing(account, parent: parent.id, channel: "2")))
            }
            @Sendable func reading(_ sensor: Device, _ value: ReadingValue) -> Reading {
                Reading(id: 0, projectId: account.projectId, homeId: account.homeId, deviceId: parent.id, sensorId: sensor.id,
                        channel: sensor.channel ?? "", value: value, type: "temp", unit: "c", timestamp: now)
            }
            let stored = try await store.write { tx in
                try await tx.readings.append([reading(first, .number(20.5)), reading(second, .numbers([52.37, 4.89])), reading(first, .text("on"))])
            }
            #expect(stored.map(\.id) == stored.map(\.id).sorted() && Set(stored.map(\.id)).count == 3)
            try await store.read { tx async throws in
                #expect(try await tx.readings.recent(deviceId: parent.id, sensorId: nil, limit: 10).map(\.value) == [.text("on"), .numbers([52.37, 4.89]), .number(20.5)])
                #expect(try await tx.readings.recent(deviceId: parent.id, sensorId: first.id, limit: 1).map(\.value) == [.text("on")])
            }

            // The latest reading per sensor: a newer one replaces it, an older one (arriving late) does not.
            try await store.write { tx in try await tx.readings.updateLatest([stored[2], stored[1]]) }
            var late = stored[0]
            late.timestamp = now - 60
            var newer = stored[1]
            newer.value = .numbers([52.38, 4.9])
            newer.timestamp = now + 1
            try await store.write { [late, newer] tx in try await tx.readings.updateLatest([late, newer]) }
            let latest = try await store.read { tx in try await tx.readings.latest(sensorIds: [first.id, second.id, parent.id]) }
            #expect(Dictionary(uniqueKeysWithValues: latest.map { ($0.sensorId, $0.value) }) == [first.id: .text("on"), second.id: .numbers([52.38, 4.9])])
            #expect(latest.first { $0.sensorId == first.id }?.id == stored[2].id, "the reading's own id")

            // A device that reports several channels itself keeps one latest reading per channel.
            var other = stored[2]
            other.channel = "humidity"
            other.value = .number(40)
            try await store.write { [other] tx in try await tx.readings.updateLatest([other]) }
            let both = try await store.read { tx in try await tx.readings.latest(sensorIds: [first.id]) }
            #expect(Set(both.map(\.channel)) == [first.channel ?? "", "humidity"] && both.count == 2)
        }
    }

    @Test("registry entries: one hardware id per project, found by id and hardware id, paired in place", arguments: StoreBackend.available)
    func registry(backend: StoreBackend) async throws {
        try await withStore(backend) { store in
            let account = try await account(store)
            let entry = RegistryEntry(
                id: UUID(), projectId: account.projectId, homeId: account.homeId, hardwareId: "70B3D57ED0001234", typeId: ThingType.genericDeviceId, codec: "lpp",
                applicationId: nil, status: .pending, thingId: nil, creationTime: now, pairTime: nil)
            try await store.write { tx in try await tx.registry.insert([entry]) }
            await #expect(throws: (any Error).self) {
                try await store.write { tx in
                    var twin = entry
                    twin.id = UUID()
                    try await tx.registry.insert([twin])
                }
            }
            let device = try await store.write { tx in try await tx.devices.insert(self.thing(account, hardwareId: entry.hardwareId)) }
            var paired = entry
            paired.status = .paired
            paired.thingId = device.id
            paired.pairTime = now
            try await store.write { [paired] tx in try await tx.registry.update(paired) }
            try await store.read { tx async throws in
                #expect(try await tx.registry.existing(projectId: account.projectId, hardwareIds: ["70B3D57ED0001234", "OTHER"]) == ["70B3D57ED0001234"])
                let stored = try #require(try await tx.registry.find(projectId: account.projectId, hardwareId: "70B3D57ED0001234"))
                #expect(stored.status == .paired && stored.thingId == device.id && stored.codec == "lpp" && stored.typeId == ThingType.genericDeviceId)
                #expect(stored.homeId == account.homeId)
                #expect(try await tx.registry.count(homeId: account.homeId) == 1)
                #expect(try await tx.devices.count(homeId: account.homeId) == 1)
                #expect(try await tx.registry.get(id: entry.id, projectId: account.projectId + 1) == nil)
            }
            try await store.write { tx in try await tx.registry.delete(id: entry.id) }
            #expect(try await store.read { tx in try await tx.registry.get(id: entry.id, projectId: account.projectId) } == nil)
        }
    }

    @Test("commands: waiting ones counted until answered or expired, a thing keeps only its newest", arguments: StoreBackend.available)
    func commands(backend: StoreBackend) async throws {
        try await withStore(backend) { store in
            let account = try await account(store)
            let thing = try await store.write { tx in try await tx.devices.insert(self.thing(account)) }
            @Sendable func command(_ seq: String, expiring: Date) -> ThingCommand {
                ThingCommand(
                    id: 0, thingId: thing.id, channel: "1", value: "on", seq: seq, status: .pending, message: nil, creationTime: now,
                    deliveryTime: nil, answerTime: nil, expirationTime: expiring)
            }
            var answered = try await store.write { tx in try await tx.thingCommands.insert(command("a", expiring: now + 60)) }
            _ = try await store.write { tx in try await tx.thingCommands.insert(command("b", expiring: now + 60)) }
            _ = try await store.write { tx in try await tx.thingCommands.insert(command("c", expiring: now - 1)) }
            answered.status = .ok
            try await store.write { [answered] tx in try await tx.thingCommands.update(answered) }
            try await store.read { tx async throws in
                #expect(try await tx.thingCommands.waitingCount(thingId: thing.id, at: now) == 1)
                #expect(try await tx.thingCommands.undelivered(thingId: thing.id, at: now).map(\.seq) == ["b"])
                #expect(try await tx.thingCommands.pending(thingId: thing.id, seq: "a") == nil)
            }
            try await store.write { tx in try await tx.thingCommands.prune(thingId: thing.id, keep: 1, at: now) }
            // The newest stays, and "b" because it still waits; the answered "a" goes.
            #expect(try await store.read { tx in try await tx.thingCommands.recent(thingId: thing.id, limit: 10) }.map(\.seq) == ["c", "b"])
        }
    }
}

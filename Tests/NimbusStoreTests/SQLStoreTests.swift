import Foundation
import Logging
import NimbusCore
import NimbusStore
import Testing

@Suite("SQL store")
struct SQLStoreTests {
    let now = SystemWallClock().now()

    func project(_ store: SQLStore) async throws -> Project {
        try await store.write { tx in try await tx.projects.insert(name: "p", accountMode: .email, provisioning: .claim, at: now) }
    }

    /// Equal but for the sub-millisecond digits a database may round away.
    func sameProject(_ a: Project, _ b: Project) -> Bool {
        a.id == b.id && a.name == b.name && a.accountMode == b.accountMode && a.provisioning == b.provisioning
            && abs(a.creationTime.timeIntervalSince(b.creationTime)) < 0.001
    }

    @Test("a project, its app, key and device class round-trip", arguments: StoreBackend.available)
    func projectsRoundTrip(backend: StoreBackend) async throws {
        try await withStore(backend) { store in
            let project = try await project(store)
            let appId = "app-\(UUID().uuidString.prefix(8))"
            let keyHash = Secrets.hash(UUID().uuidString)
            try await store.write { tx in
                try await tx.projects.insertApp(App(id: appId, projectId: project.id, name: "App", creationTime: now))
                _ = try await tx.projects.insertKey(projectId: project.id, name: "backend", permissions: [.kv, .events], keyHash: keyHash, at: now)
                try await tx.projects.insertDeviceClass(DeviceClass(id: "lamp", projectId: project.id, name: "Lamp", creationTime: now))
            }
            try await store.read { tx async throws in
                let stored = try #require(try await tx.projects.get(id: project.id))
                #expect(sameProject(stored, project))
                #expect(try await tx.projects.app(id: appId)?.projectId == project.id)
                let key = try #require(try await tx.projects.key(hash: keyHash))
                #expect(key.permissions == [.kv, .events])
                #expect(try await tx.projects.deviceClass(projectId: project.id, id: "lamp")?.name == "Lamp")
                #expect(try await tx.projects.deviceClass(projectId: project.id, id: "fan") == nil)
            }
        }
    }

    @Test("a failed write leaves nothing behind", arguments: StoreBackend.available)
    func rollback(backend: StoreBackend) async throws {
        struct Abort: Error {}
        try await withStore(backend) { store in
            let project = try await project(store)
            await #expect(throws: Abort.self) {
                try await store.write { tx in
                    _ = try await tx.homes.insert(projectId: project.id, name: "doomed", at: now)
                    throw Abort()
                }
            }
            let homes = try await store.read { tx in try await tx.homes.list(projectId: project.id, page: PageRequest()) }
            #expect(homes.total == 0)
            #expect(homes.items.isEmpty)
        }
    }

    @Test("users are unique per project by email, and pages count the total", arguments: StoreBackend.available)
    func usersAndPages(backend: StoreBackend) async throws {
        try await withStore(backend) { store in
            let project = try await project(store)
            for index in 0..<5 {
                _ = try await store.write { tx in
                    try await tx.users.insert(User(id: 0, projectId: project.id, name: "User \(index)", email: "u\(index)@example.com", verified: false, creationTime: now))
                }
            }
            await #expect(throws: (any Error).self) {
                _ = try await store.write { tx in
                    try await tx.users.insert(User(id: 0, projectId: project.id, name: "Dup", email: "u1@example.com", verified: false, creationTime: now))
                }
            }
            let page = try await store.read { tx in try await tx.users.list(projectId: project.id, search: "user", page: PageRequest(skip: 1, limit: 2)) }
            #expect(page.total == 5)
            #expect(page.items.map(\.name) == ["User 1", "User 2"])
            let found = try await store.read { tx in try await tx.users.list(projectId: project.id, search: "u3@", page: PageRequest()) }
            #expect(found.items.map(\.email) == ["u3@example.com"])
            let literal = try await store.read { tx in try await tx.users.list(projectId: project.id, search: "%", page: PageRequest()) }
            #expect(literal.total == 0, "a % in the search text matches a literal %")
        }
    }

    @Test("homes, members and owner counts", arguments: StoreBackend.available)
    func homesAndMembers(backend: StoreBackend) async throws {
        try await withStore(backend) { store in
            let project = try await project(store)
            let (home, alice, bob) = try await store.write { tx in
                let alice = try await tx.users.insert(User(id: 0, projectId: project.id, name: "Alice", email: "alice-\(UUID())@x.io", verified: true, creationTime: now))
                let bob = try await tx.users.insert(User(id: 0, projectId: project.id, name: "Bob", email: "bob-\(UUID())@x.io", verified: true, creationTime: now))
                let home = try await tx.homes.insert(projectId: project.id, name: "Home", at: now)
                try await tx.homes.addMember(homeId: home.id, userId: alice.id, role: .owner, at: now)
                try await tx.homes.addMember(homeId: home.id, userId: bob.id, role: .member, at: now)
                return (home, alice, bob)
            }
            try await store.read { tx async throws in
                #expect(try await tx.homes.ownerCount(homeId: home.id) == 1)
                #expect(Set(try await tx.homes.memberUserIds(homeId: home.id)) == [alice.id, bob.id])
                #expect(try await tx.homes.member(homeId: home.id, userId: bob.id)?.role == .member)
                #expect(try await tx.homes.list(memberUserId: bob.id, page: PageRequest()).items.map(\.id) == [home.id])
            }
            try await store.write { tx in try await tx.homes.delete(id: home.id) }
            try await store.read { tx async throws in
                #expect(try await tx.homes.get(id: home.id) == nil)
                #expect(try await tx.homes.memberUserIds(homeId: home.id).isEmpty, "members go with their home")
            }
        }
    }

    @Test("key-value revisions grow store-wide and prefixes filter", arguments: StoreBackend.available)
    func keyValues(backend: StoreBackend) async throws {
        try await withStore(backend) { store in
            let project = try await project(store)
            let home = try await store.write { tx in try await tx.homes.insert(projectId: project.id, name: "H", at: now) }
            let first = try await store.write { tx in try await tx.keyValues.put(.home(home.id), key: "color", value: .string("red"), at: now) }
            let second = try await store.write { tx in try await tx.keyValues.put(.home(home.id), key: "color", value: .object(["r": .number(255)]), at: now) }
            _ = try await store.write { tx in try await tx.keyValues.put(.home(home.id), key: "size", value: .number(3), at: now) }
            #expect(second.revision > first.revision)
            try await store.read { tx async throws in
                #expect(try await tx.keyValues.get(.home(home.id), key: "color")?.value == .object(["r": .number(255)]))
                #expect(try await tx.keyValues.list(.home(home.id), keyPrefix: "co").map(\.key) == ["color"])
                #expect(try await tx.keyValues.list(.home(home.id), keyPrefix: nil).map(\.key) == ["color", "size"])
                #expect(try await tx.keyValues.list(.device(home.id), keyPrefix: nil).isEmpty, "scopes do not mix")
            }
            let deleted = try await store.write { tx in try await tx.keyValues.delete(.home(home.id), key: "size") }
            #expect(deleted != nil)
            let again = try await store.write { tx in try await tx.keyValues.delete(.home(home.id), key: "size") }
            #expect(again == nil)
        }
    }

    @Test("events are appended in one batch with increasing ids", arguments: StoreBackend.available)
    func events(backend: StoreBackend) async throws {
        try await withStore(backend) { store in
            let project = try await project(store)
            let home = try await store.write { tx in try await tx.homes.insert(projectId: project.id, name: "H", at: now) }
            let batch = (0..<50).map { index in
                NewEvent(projectId: project.id, homeId: home.id, eventType: "tick", eventData: ["n": .number(Double(index))], origin: .projectKey(id: 1, name: "k"), timestamp: now)
            }
            let stored = try await store.write { tx in try await tx.events.append(batch) }
            #expect(stored.count == 50)
            #expect(stored.map(\.id) == stored.map(\.id).sorted())
            #expect(stored.map { $0.eventData["n"] } == batch.map { $0.eventData["n"] })
            let recent = try await store.read { tx in try await tx.events.recent(homeId: home.id, limit: 3) }
            #expect(recent.map { $0.eventData["n"] } == [.number(49), .number(48), .number(47)])
        }
    }

    @Test("devices: lookup by key and claim code, connection state", arguments: StoreBackend.available)
    func devices(backend: StoreBackend) async throws {
        try await withStore(backend) { store in
            let project = try await project(store)
            let keyHash = Secrets.hash(UUID().uuidString)
            let claimHash = Secrets.hash(UUID().uuidString)
            let device = try await store.write { tx in
                try await tx.devices.insert(Device(
                    id: 0, uuid: UUID(), projectId: project.id, deviceClass: "lamp", name: "", tag: "t1", homeId: nil, apiKeyHash: keyHash,
                    claimCodeHash: claimHash, claimTime: nil, claimExpirationTime: nil, isConnected: false, lastConnectTime: nil,
                    lastDisconnectTime: nil, creationTime: now))
            }
            try await store.write { tx in try await tx.devices.setConnected(id: device.id, connected: true, at: now) }
            try await store.read { tx async throws in
                #expect(try await tx.devices.find(apiKeyHash: keyHash)?.id == device.id)
                #expect(try await tx.devices.find(projectId: project.id, claimCodeHash: claimHash)?.id == device.id)
                let stored = try #require(try await tx.devices.get(id: device.id))
                #expect(stored.isConnected)
                #expect(stored.uuid == device.uuid)
                #expect(abs(try #require(stored.lastConnectTime).timeIntervalSince(now)) < 0.001)
            }
            // Connected on two servers; the one that stops beating is forgotten with its connection, the other's stays.
            let (alive, gone) = (UUID().uuidString, UUID().uuidString)
            try await store.write { tx in
                try await tx.nodes.heartbeat(node: gone, at: now - 600)
                try await tx.nodes.heartbeat(node: alive, at: now)
                try await tx.nodes.setConnection(deviceId: device.id, node: gone, open: true)
                try await tx.nodes.setConnection(deviceId: device.id, node: alive, open: true)
                try await tx.nodes.removeNodes(seenBefore: now - 60, except: alive)
            }
            try await store.read { tx async throws in
                #expect(try await tx.nodes.isConnectedAnywhere(deviceId: device.id))
                #expect(try await !tx.nodes.connectedWithoutConnection().contains(device.id))
            }
            try await store.write { tx in
                try await tx.nodes.setConnection(deviceId: device.id, node: alive, open: false)
                try await tx.nodes.removeNodes(seenBefore: now - 60, except: alive)
            }
            try await store.read { tx async throws in
                #expect(try await !tx.nodes.isConnectedAnywhere(deviceId: device.id))
                #expect(try await tx.nodes.connectedWithoutConnection().contains(device.id), "marked connected, held by no server")
            }
        }
    }

    @Test("the outbox hands out due messages and reschedules failures", arguments: StoreBackend.available)
    func outbox(backend: StoreBackend) async throws {
        try await withStore(backend) { store in
            let marker = UUID().uuidString
            try await store.write { tx in try await tx.outbox.enqueue(kind: .sms, payload: SMSMessage(to: "+15550001", body: marker).payload, at: now) }
            let due = try await store.read { tx in try await tx.outbox.due(at: now + 1, limit: 1000) }
            let message = try #require(due.first { SMSMessage(payload: $0.payload)?.body == marker })
            try await store.write { tx in try await tx.outbox.reschedule(id: message.id, attempts: 1, nextAttemptTime: now + 60, lastError: "down") }
            let dueSoon = try await store.read { tx in try await tx.outbox.due(at: now + 1, limit: 1000) }
            #expect(!dueSoon.contains { $0.id == message.id })
            try await store.write { tx in try await tx.outbox.complete(id: message.id) }
            let dueLater = try await store.read { tx in try await tx.outbox.due(at: now + 120, limit: 1000) }
            #expect(!dueLater.contains { $0.id == message.id }, "a sent message is never handed out again")
        }
    }

    @Test("the outbox's claims hand each due message to one sender until its lease ends", arguments: StoreBackend.available)
    func outboxClaims(backend: StoreBackend) async throws {
        try await withStore(backend) { store in
            // A window of its own, long past, so that no other test's messages are due in it.
            let start = Date(timeIntervalSince1970: 86_400 + Double(Int.random(in: 0..<100_000_000)))
            for index in 0..<10 {
                try await store.write { tx in
                    try await tx.outbox.enqueue(kind: .sms, payload: SMSMessage(to: "+15550001", body: "claim \(index)").payload, at: start + Double(index))
                }
            }
            // Two senders at once (two servers): each message goes to one of them.
            async let first = store.write { tx in try await tx.outbox.claim(dueAt: start + 100, limit: 6, leaseEnd: start + 1_000, by: "one") }
            async let second = store.write { tx in try await tx.outbox.claim(dueAt: start + 100, limit: 6, leaseEnd: start + 1_000, by: "other") }
            let (one, other) = try await (first, second)
            #expect(Set(one.map(\.id)).isDisjoint(with: other.map(\.id)))
            #expect(one.count + other.count == 10)
            let again = try await store.write { tx in try await tx.outbox.claim(dueAt: start + 100, limit: 100, leaseEnd: start + 1_000, by: "one") }
            #expect(again.isEmpty, "claimed messages are nobody else's until their lease ends")
            let afterLease = try await store.write { tx in try await tx.outbox.claim(dueAt: start + 1_000, limit: 100, leaseEnd: start + 5_000, by: "one") }
            #expect(Set(afterLease.map(\.id)) == Set((one + other).map(\.id)), "a sender that died leaves its messages to the others")
            // "one" is not among the living servers: its claims are released at once, not when the lease ends.
            let alive = UUID().uuidString
            try await store.write { tx in
                try await tx.nodes.heartbeat(node: alive, at: start)
                try await tx.outbox.releaseClaims(ofServersGoneAt: start + 1_001)
            }
            let released = try await store.write { tx in try await tx.outbox.claim(dueAt: start + 1_001, limit: 100, leaseEnd: start + 5_000, by: alive) }
            #expect(Set(released.map(\.id)) == Set(afterLease.map(\.id)), "a gone server's claims are released at once")
            for message in released { try await store.write { tx in try await tx.outbox.complete(id: message.id) } }
        }
    }

    @Test("migrations run once: reopening a store keeps its data", arguments: [StoreBackend.sqlite])
    func reopen(backend: StoreBackend) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("nimbus-reopen-\(UUID().uuidString)").path
        let first = try await SQLStore.open(databaseURL: nil, dataDirectory: directory, logger: .init(label: "t"))
        let project = try await project(first)
        try await first.close()
        let second = try await SQLStore.open(databaseURL: nil, dataDirectory: directory, logger: .init(label: "t"))
        let reread = try await second.read { tx in try await tx.projects.get(id: project.id) }
        try await second.close()
        #expect(sameProject(try #require(reread), project))
    }
}

import Foundation
import NIOCore
import NimbusMQTT
import NimbusMQTTStore
import NimbusStore
import Testing

/// The broker's stores over SQL: sessions keyed by their owner, queues trimmed to their limit, retained
/// messages with whose they are. Each test uses a mount point of its own, since PostgreSQL tests share a database.
@Suite("SQL MQTT stores")
struct SQLMQTTStoreTests {
    private static func delivery(_ text: String, topic: String = "cmd") -> MQTTDelivery {
        MQTTDelivery(
            message: MQTTMessage(topic: topic, payload: ByteBuffer(string: text), qos: .atLeastOnce), qos: .atLeastOnce,
            topic: topic, retain: false)
    }

    private static func mountPoint() -> String { "t\(UUID().uuidString.prefix(8))/" }

    @Test("sessions of two owners with one client id are two sessions", arguments: StoreBackend.available)
    func sessionsByOwner(_ backend: StoreBackend) async throws {
        try await withStore(backend) { sql in
            let store = SQLMQTTStore(store: sql)
            let mount = Self.mountPoint()
            let first = MQTTSessionKey(mountPoint: mount, owner: "device:1", clientIdentifier: "same")
            let second = MQTTSessionKey(mountPoint: mount, owner: "device:2", clientIdentifier: "same")
            try await store.saveSession(first, expiry: 60, subscriptions: [MQTTStoredSubscription(filter: mount + "cmd", options: 1, identifier: 7)])
            try await store.saveSession(second, expiry: .max, subscriptions: [])
            try await store.enqueue([(first, Self.delivery("for the first"))], keeping: MQTTQueueLimit())
            let stored = try await store.storedSessions().filter { $0.key.mountPoint == mount }
            let byOwner = Dictionary(uniqueKeysWithValues: stored.map { ($0.key.owner, $0) })
            #expect(byOwner.count == 2)
            #expect(byOwner["device:1"]?.subscriptions == [MQTTStoredSubscription(filter: mount + "cmd", options: 1, identifier: 7)])
            #expect(byOwner["device:1"]?.queued.map { String(buffer: $0.message.payload) } == ["for the first"])
            #expect(byOwner["device:2"]?.queued.isEmpty == true && byOwner["device:2"]?.expiry == .max)
            try await store.deleteSession(first)
            #expect(try await store.storedSessions().filter { $0.key.mountPoint == mount }.map(\.key) == [second])
        }
    }

    @Test("a queue is trimmed to its limit as messages are queued, keeping the newest", arguments: StoreBackend.available)
    func queueTrimmed(_ backend: StoreBackend) async throws {
        try await withStore(backend) { sql in
            let store = SQLMQTTStore(store: sql)
            let key = MQTTSessionKey(mountPoint: Self.mountPoint(), owner: "key:1", clientIdentifier: "away")
            try await store.saveSession(key, expiry: 60, subscriptions: [])
            for number in 0..<6 {
                try await store.enqueue([(key, Self.delivery("\(number)"))], keeping: MQTTQueueLimit(messages: 3, bytes: 1 << 20))
            }
            var queued = try await store.storedSessions().first { $0.key == key }?.queued ?? []
            #expect(queued.map { String(buffer: $0.message.payload) } == ["3", "4", "5"])
            let big = String(repeating: "x", count: 600)
            for _ in 0..<3 {
                try await store.enqueue([(key, Self.delivery(big))], keeping: MQTTQueueLimit(messages: 100, bytes: 1_000))
            }
            queued = try await store.storedSessions().first { $0.key == key }?.queued ?? []
            #expect(queued.count == 1, "1,000 bytes keep one stored message of 600 bytes and more")
        }
    }

    @Test("retained messages keep whose they are, and an empty payload deletes", arguments: StoreBackend.available)
    func retainedRecords(_ backend: StoreBackend) async throws {
        try await withStore(backend) { sql in
            let store = SQLMQTTStore(store: sql)
            let mount = Self.mountPoint()
            let message = MQTTMessage(topic: mount + "status", payload: ByteBuffer(string: "on"), qos: .atLeastOnce, retain: true)
            try await store.retain(MQTTRetainedRecord(message: message, mountPoint: mount, owner: "device:9"))
            let stored = try await store.retainedMessages().filter { $0.mountPoint == mount }
            #expect(stored.map(\.owner) == ["device:9"])
            #expect(stored.map { String(buffer: $0.message.payload) } == ["on"])
            var deletion = message
            deletion.payload = ByteBuffer()
            try await store.retain(MQTTRetainedRecord(message: deletion, mountPoint: mount, owner: "device:9"))
            #expect(try await store.retainedMessages().filter { $0.mountPoint == mount }.isEmpty)
        }
    }
}

import NIOCore
import Testing

@testable import NimbusMQTT

@Suite("Broker limits: session owners, quotas, queues and the connection gate")
struct BrokerLimitsTests {
    @Test("another owner with the same client id gets a session of its own and takes nothing over")
    func sessionsBelongToTheirOwner() async throws {
        let broker = MQTTBroker.forTesting()
        let victim = await broker.attach("shared", owner: "device:1")
        try await broker.subscribe(victim, "cmd", options: .init(qos: .atLeastOnce))
        await broker.detach(victim, sessionExpiry: 3600)
        #expect(await broker.publish("cmd", "unlock", qos: .atLeastOnce) == 1)

        let thief = await broker.attach("shared", owner: "device:2", cleanStart: false)
        #expect(!thief.sessionPresent && thief.resumed == nil)
        let back = await broker.attach("shared", owner: "device:1", cleanStart: false)
        #expect(back.sessionPresent)
        #expect(try #require(back.resumed).waiting.map(Received.init) == [Received(topic: "cmd", text: "unlock", qos: .atLeastOnce)])
        #expect(await broker.hasSession(thief.key), "the owner's return must not end the other owner's session")
    }

    @Test("a principal keeps at most its quota of persistent sessions; ending one makes room, resuming one is free")
    func persistentSessionQuota() async throws {
        let broker = MQTTBroker.forTesting(maximumPersistentSessionsPerClient: 2)
        for id in ["a", "b"] {
            let connection = await broker.attach(id, owner: "device:1", persistent: true)
            await broker.detach(connection, sessionExpiry: 3600)
        }
        let client = MQTTClient(mountPoint: "p1/", owner: "device:1", clientIdentifier: "c", name: "c")
        let (events, mailbox) = AsyncStream.makeStream(of: MQTTBrokerEvent.self)
        _ = events
        #expect(await broker.connect(client: client, cleanStart: true, persistent: true, mailbox: mailbox).overQuota)
        #expect(await !broker.hasSession(client.sessionKey), "a refused connect changes nothing")
        let other = await broker.attach("c", owner: "device:2", persistent: true)
        #expect(await broker.hasSession(other.key), "another principal has its own quota")
        let resumed = await broker.attach("a", owner: "device:1", cleanStart: false, persistent: true)
        #expect(resumed.sessionPresent)
        await broker.detach(resumed, sessionExpiry: 0)
        let third = await broker.attach("c", owner: "device:1", persistent: true)
        #expect(await broker.hasSession(third.key), "the ended session made room")
    }

    @Test("retained quotas: per project and per principal, count and bytes; replacing counts the difference")
    func retainedQuota() {
        var quota = MQTTRetainedQuota()
        quota.messagesPerProject = 3
        quota.bytesPerClient = 10
        var retained = MQTTRetainedMessages()
        func message(_ topic: String, _ text: String) -> MQTTMessage {
            MQTTMessage(topic: "p1/" + topic, payload: ByteBuffer(string: text), retain: true)
        }
        #expect(retained.refusal(message("a", "12345678"), in: "p1/", owner: "d1", quota: quota) == nil)
        retained.set(message("a", "12345678"), in: "p1/", owner: "d1")
        #expect(retained.refusal(message("b", "123"), in: "p1/", owner: "d1", quota: quota) != nil, "11 bytes for d1")
        #expect(retained.refusal(message("a", "1234567890"), in: "p1/", owner: "d1", quota: quota) == nil, "a replacement")
        #expect(retained.refusal(message("b", "123"), in: "p1/", owner: "d2", quota: quota) == nil)
        retained.set(message("b", "123"), in: "p1/", owner: "d2")
        retained.set(message("c", "1"), in: "p1/", owner: "d2")
        #expect(retained.refusal(message("d", "1"), in: "p1/", owner: "d3", quota: quota) != nil, "4 messages in p1/")
        #expect(retained.refusal(message("d", "1"), in: "p2/", owner: "d3", quota: quota) == nil, "another project")
        #expect(retained.refusal(message("a", ""), in: "p1/", owner: "d1", quota: quota) == nil, "a deletion always fits")
        retained.set(message("a", ""), in: "p1/", owner: "d1")
        #expect(retained.usage(of: "p1/") == .init(messages: 2, bytes: 4))
        #expect(retained.refusal(message("d", "1"), in: "p1/", owner: "d3", quota: quota) == nil)
    }

    @Test("a retained will past the quota is delivered but not retained")
    func retainedWillOverQuota() async throws {
        var limits = MQTTBroker.Limits()
        limits.retainedQuota.messagesPerProject = 1
        let broker = MQTTBroker(limits: limits)
        let publisher = MQTTSessionKey(mountPoint: "p1/", owner: "d1", clientIdentifier: "x")
        await broker.publish(message("a", "one", retain: true), in: "p1/", from: publisher)
        await broker.publish(message("b", "two", retain: true), in: "p1/", from: publisher)
        #expect(await broker.retainedMessage(topic: "a", in: "p1/") != nil)
        #expect(await broker.retainedMessage(topic: "b", in: "p1/") == nil)
    }

    @Test("a retained will refused by the quota leaves the stored retained message of its topic as it was")
    func refusedWillIsNotStored() async throws {
        var limits = MQTTBroker.Limits()
        limits.retainedQuota.bytesPerProject = 5
        let store = RecordingRetainedStore()
        let broker = MQTTBroker(limits: limits, retainedStore: store)
        let publisher = MQTTSessionKey(mountPoint: "p1/", owner: "d1", clientIdentifier: "x")
        await broker.publish(message("a", "one", retain: true), in: "p1/", from: publisher)
        await broker.publish(message("a", "too long", retain: true), in: "p1/", from: publisher)
        #expect(await broker.retainedMessage(topic: "a", in: "p1/").map { String(buffer: $0.payload) } == "one")
        try await Task.sleep(for: .milliseconds(50))  // the store is written behind the routing
        #expect(await store.records.map { String(buffer: $0.message.payload) } == ["one"])
    }

    @Test("a session's queue drops its oldest messages past the byte limit, keeping at least the newest")
    func queueBytes() {
        var state = MQTTOutboundState()
        let limit = MQTTQueueLimit(messages: 100, bytes: 10)
        for text in ["aaaa", "bbbb", "cccc", "dddddddddddddddd"] {
            state.enqueue(MQTTDelivery(message: message("t", text), qos: .atLeastOnce, topic: "t", retain: false), limit: limit)
        }
        #expect(state.waiting.map { String(buffer: $0.message.payload) } == ["dddddddddddddddd"])
        #expect(state.dropped == 3)
    }

    @Test("the first packet is held to the CONNECT limit, the later ones to the packet limit")
    func connectPacketLimit() throws {
        var decoder = MQTTFrameDecoder(maximumPacketSize: 1024, maximumConnectPacketSize: 16)
        var big = ByteBuffer(bytes: [0x10, 0x20] + Array(repeating: UInt8(0), count: 4))
        #expect(throws: MQTTProtocolError.packetTooLarge(size: 34, maximum: 16)) { try decoder.decode(buffer: &big) }
        var small = ByteBuffer(bytes: [0xC0, 0x00, 0x30, 0x20] + Array(repeating: UInt8(0), count: 0x20))
        #expect(try decoder.decode(buffer: &small)?.type == .pingReq)
        #expect(try decoder.decode(buffer: &small)?.type == .publish)
    }

    @Test("the gate paces each address before the total, and bounds connections not yet authenticated")
    func gate() {
        var settings = MQTTServerSettings()
        settings.connectionsPerSecond = 100
        settings.connectionsPerSecondPerAddress = 3
        settings.maximumUnauthenticatedConnectionsPerAddress = 5
        let gate = MQTTConnectionGate(settings: settings)
        let flood = (0..<5).map { _ in gate.enter(MQTTConnectionInbox(mailboxSize: 1), host: "192.0.2.1") }
        #expect(flood.map(\.verdict) == [.admit, .admit, .admit, .drop, .drop])
        #expect(gate.enter(MQTTConnectionInbox(mailboxSize: 1), host: "192.0.2.2").verdict == .admit)
        for entry in flood { gate.leave(entry.id) }
        #expect(gate.openConnections == 1)
    }
}

@Suite("Retained quotas and expiry")
struct RetainedExpiryTests {
    @Test("an expired retained message no longer holds its publisher's quota")
    func expiredMessagesFreeTheQuota() async throws {
        var limits = MQTTBroker.Limits()
        limits.retainedQuota.messagesPerClient = 1
        let broker = MQTTBroker(limits: limits)
        let client = MQTTSessionKey(mountPoint: "p1/", owner: "d1", clientIdentifier: "x")
        var expiring = message("a", "soon gone", retain: true)
        expiring.properties.messageExpiryInterval = 0
        await broker.publish(expiring, in: "p1/", from: client)
        #expect(await broker.retainedMessage(topic: "a", in: "p1/") != nil)
        try await Task.sleep(for: .milliseconds(5))
        #expect(await broker.retainedQuotaRefusal(message("b", "new", retain: true), from: client) == nil)
        #expect(await broker.retainedMessage(topic: "a", in: "p1/") == nil)
    }
}

/// A retained store that records what it is asked to keep.
actor RecordingRetainedStore: MQTTRetainedStore {
    private(set) var records: [MQTTRetainedRecord] = []

    func retainedMessages() async throws -> [MQTTRetainedRecord] { records }

    func retain(_ record: MQTTRetainedRecord) async throws {
        records.append(record)
    }
}

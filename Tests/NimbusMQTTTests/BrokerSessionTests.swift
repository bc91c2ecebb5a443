import NIOCore
import Testing

@testable import NimbusMQTT

@Suite("Broker sessions, takeover and wills")
struct BrokerSessionTests {
    @Test("a second connection with the same client id takes the session over; the first one's late disconnect is ignored")
    func takeover() async throws {
        let broker = MQTTBroker.forTesting()
        let old = await broker.attach("device")
        try await broker.subscribe(old, "cmd")
        let new = await broker.attach("device", cleanStart: false)
        #expect(new.sessionPresent)
        #expect(await old.events.take(2) == [.takenOver])
        #expect(old.events.isFinished)

        await broker.detach(old)
        #expect(await broker.hasSession(new.key), "a stale connection id must not end its successor's session")
        #expect(await broker.publish("cmd", "go") == 1, "the resumed session keeps its subscriptions")
        #expect(summary(await new.events.take(1)) == [Received(topic: "cmd", text: "go")])
    }

    @Test("a persistent session queues QoS 1 and 2 while offline, drops QoS 0, and hands the queue to the next connection")
    func persistentSession() async throws {
        let broker = MQTTBroker.forTesting()
        let first = await broker.attach("device")
        #expect(!first.sessionPresent && first.resumed == nil)
        try await broker.subscribe(first, "cmd/#", options: .init(qos: .exactlyOnce))
        await broker.detach(first, sessionExpiry: 3600)

        #expect(await broker.publish("cmd/a", "one", qos: .atLeastOnce) == 1)
        #expect(await broker.publish("cmd/b", "lost", qos: .atMostOnce) == 0)
        #expect(await broker.publish("cmd/c", "two", qos: .exactlyOnce) == 1)

        let second = await broker.attach("device", cleanStart: false)
        #expect(second.sessionPresent)
        let queued = try #require(second.resumed).waiting.map(Received.init)
        #expect(queued == [Received(topic: "cmd/a", text: "one", qos: .atLeastOnce), Received(topic: "cmd/c", text: "two", qos: .exactlyOnce)])
    }

    @Test("clean start discards the old session; session expiry 0 ends it at disconnect")
    func cleanSession() async throws {
        let broker = MQTTBroker.forTesting()
        let first = await broker.attach("device")
        try await broker.subscribe(first, "cmd", options: .init(qos: .atLeastOnce))
        await broker.detach(first, sessionExpiry: 3600)
        await broker.publish("cmd", "stale", qos: .atLeastOnce)

        let fresh = await broker.attach("device", cleanStart: true)
        #expect(!fresh.sessionPresent && fresh.resumed == nil)
        #expect(await broker.publish("cmd", "x", qos: .atLeastOnce) == 0, "subscriptions went with the old session")

        try await broker.subscribe(fresh, "cmd")
        await broker.detach(fresh, sessionExpiry: 0)
        #expect(await !broker.hasSession(fresh.key))
        #expect(await broker.publish("cmd", "x") == 0)
    }

    @Test("the queue of an offline session keeps the newest messages up to its limit")
    func queueLimit() async throws {
        let broker = MQTTBroker.forTesting(maximumQueuedMessages: 2)
        let first = await broker.attach("device")
        try await broker.subscribe(first, "cmd", options: .init(qos: .atLeastOnce))
        await broker.detach(first, sessionExpiry: 3600)
        for number in 1...3 { await broker.publish("cmd", "\(number)", qos: .atLeastOnce) }

        let resumed = try #require(await broker.attach("device", cleanStart: false).resumed)
        #expect(resumed.waiting.map { String(buffer: $0.message.payload) } == ["2", "3"])
        #expect(resumed.dropped == 1)
    }

    @Test("a will is published when the connection passes one, and only then")
    func will() async throws {
        let broker = MQTTBroker.forTesting()
        let watcher = await broker.attach("watcher")
        try await broker.subscribe(watcher, "status/#")

        let polite = await broker.attach("polite")
        await broker.detach(polite, will: nil)
        #expect(await watcher.events.staysEmpty())

        let crashed = await broker.attach("crashed")
        await broker.detach(crashed, will: message("status/crashed", "offline", retain: true))
        #expect(summary(await watcher.events.take(1)) == [Received(topic: "status/crashed", text: "offline")])
        #expect(await broker.retainedMessage(topic: "status/crashed", in: "p1/") != nil)
    }

    @Test("a delayed will is dropped if the client comes back in time and published when its delay passes")
    func willDelay() async throws {
        let broker = MQTTBroker.forTesting(expiryUnit: .milliseconds(10))
        let watcher = await broker.attach("watcher")
        try await broker.subscribe(watcher, "status")

        let flaky = await broker.attach("flaky")
        await broker.detach(flaky, will: message("status", "gone"), willDelay: 20, sessionExpiry: 3600)
        let back = await broker.attach("flaky", cleanStart: false)
        #expect(await watcher.events.take(1, timeout: .milliseconds(400)).isEmpty)

        await broker.detach(back, will: message("status", "gone for good"), willDelay: 2, sessionExpiry: 3600)
        #expect(summary(await watcher.events.take(1)) == [Received(topic: "status", text: "gone for good")])
        #expect(await broker.hasSession(back.key), "the session outlives its will")
    }

    @Test("a session ends when its expiry interval passes, unless the client reconnected")
    func sessionExpiry() async throws {
        let broker = MQTTBroker.forTesting(expiryUnit: .milliseconds(10))
        let returning = await broker.attach("returning")
        await broker.detach(returning, sessionExpiry: 3)
        let again = await broker.attach("returning", cleanStart: false)
        #expect(again.sessionPresent)

        let leaving = await broker.attach("leaving")
        try await broker.subscribe(leaving, "t", options: .init(qos: .atLeastOnce))
        await broker.detach(leaving, sessionExpiry: 3)
        #expect(await broker.hasSession(leaving.key))
        // Generous: the 100k-subscription smoke test can hold both cooperative threads for seconds in a debug build.
        let deadline = ContinuousClock.now + .seconds(20)
        while await broker.hasSession(leaving.key), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(5))
        }
        #expect(await !broker.hasSession(leaving.key))
        #expect(await broker.publish("t", "x", qos: .atLeastOnce) == 0)
        try await Task.sleep(for: .milliseconds(60))
        #expect(await broker.hasSession(again.key), "the reconnected session's old timer did nothing")
    }

    @Test("anonymous hooks admit only clients without a user name, into their mount point, and allow everything there")
    func anonymousHooks() async {
        let hooks = MQTTAnonymousHooks(mountPoint: "p7/")
        guard case .accepted(let client) = await hooks.authenticate(MQTTConnectRequest(clientIdentifier: "dev")) else {
            Issue.record("a client without user name was not admitted")
            return
        }
        #expect(client.mountPoint == "p7/" && client.clientIdentifier == "dev" && client.context == nil)
        #expect(hooks.mayPublish(client, topic: "any/topic") && hooks.maySubscribe(client, filter: "#"))
        #expect(await hooks.subscribed(client, filter: "#").isEmpty, "the default hooks send nothing after SUBACK")

        let named = MQTTConnectRequest(clientIdentifier: "dev", username: "alice", password: Array("secret".utf8))
        guard case .notRecognised = await hooks.authenticate(named) else {
            Issue.record("a client with a user name must be left to other hooks")
            return
        }
    }
}

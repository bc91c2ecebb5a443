import NIOCore
import Testing

@testable import NimbusMQTT

@Suite("Broker routing and retained messages")
struct BrokerTests {
    @Test("messages reach the subscribers whose filters match, each at the lower of the two QoS")
    func routingWithWildcards() async throws {
        let broker = MQTTBroker.forTesting()
        let exact = await broker.attach("exact")
        let wide = await broker.attach("wide")
        try await broker.subscribe(exact, "sensors/+/temperature", options: .init(qos: .atLeastOnce))
        try await broker.subscribe(wide, "sensors/#", options: .init(qos: .atMostOnce))

        #expect(await broker.publish("sensors/kitchen/temperature", "21", qos: .exactlyOnce) == 2)
        #expect(await broker.publish("sensors/kitchen/humidity", "40", qos: .atLeastOnce) == 1)
        #expect(await broker.publish("actuators/fan", "on") == 0)

        #expect(summary(await exact.events.take(1)) == [Received(topic: "sensors/kitchen/temperature", text: "21", qos: .atLeastOnce)])
        #expect(await exact.events.staysEmpty())
        #expect(
            summary(await wide.events.take(2)) == [
                Received(topic: "sensors/kitchen/temperature", text: "21"), Received(topic: "sensors/kitchen/humidity", text: "40"),
            ])
    }

    @Test("two mount points never see each other's messages, retained messages or sessions")
    func mountPointIsolation() async throws {
        let broker = MQTTBroker.forTesting()
        let first42 = await broker.attach("device", in: "p42/")
        let other = await broker.attach("device", in: "p43/")
        try await broker.subscribe(first42, "#")
        try await broker.subscribe(other, "#")
        #expect(await broker.hasSession(MQTTSessionKey(mountPoint: "p42/", owner: "tester", clientIdentifier: "device")))

        #expect(await broker.publish("status", "up", retain: true, in: "p42/") == 1)
        #expect(summary(await first42.events.take(1)) == [Received(topic: "status", text: "up")])
        #expect(await other.events.staysEmpty(), "same client id, other project: neither taken over nor reached")

        #expect(await broker.retainedMessage(topic: "status", in: "p43/") == nil)
        #expect(try await broker.subscribe(other, "#").retained.isEmpty)
        #expect(try await broker.subscribe(first42, "#").retained.map(Received.init) == [Received(topic: "status", text: "up", retain: true)])
    }

    @Test("a retained message is stored, sent with RETAIN on subscribe at the lower QoS, and cleared by an empty payload")
    func retainedSetAndClear() async throws {
        let broker = MQTTBroker.forTesting()
        let listener = await broker.attach("listener")
        await broker.publish("a/b", "one", qos: .exactlyOnce, retain: true)
        await broker.publish("a/c", "two", qos: .atMostOnce, retain: true)
        let answer = try await broker.subscribe(listener, "a/+", options: .init(qos: .atLeastOnce), identifier: 9)
        #expect(answer.codes == [.grantedQoS1])
        #expect(answer.retained.map(Received.init) == [Received(topic: "a/b", text: "one", qos: .atLeastOnce, retain: true), Received(topic: "a/c", text: "two", retain: true)])
        #expect(answer.retained.allSatisfy { $0.subscriptionIdentifiers == [9] })

        // Live, a retained publication loses its RETAIN flag unless the subscription asked to keep it.
        await broker.publish("a/b", "", retain: true)
        #expect(summary(await listener.events.take(1)) == [Received(topic: "a/b", text: "")])
        #expect(await broker.retainedMessage(topic: "a/b", in: "p1/") == nil)
        #expect(try await broker.subscribe(listener, "a/b").retained.isEmpty)

        let keeper = await broker.attach("keeper")
        try await broker.subscribe(keeper, "a/#", options: .init(retainAsPublished: true))
        await broker.publish("a/d", "kept", retain: true)
        #expect(summary(await keeper.events.take(1)) == [Received(topic: "a/d", text: "kept", retain: true)])
    }

    @Test("Retain Handling: 0 sends on every subscribe, 1 only for a new subscription, 2 never; shared ones never")
    func retainHandling() async throws {
        let broker = MQTTBroker.forTesting()
        let client = await broker.attach("c")
        await broker.publish("t", "kept", retain: true)
        #expect(try await broker.subscribe(client, "t", options: .init(retainHandling: .sendOnSubscribe)).retained.count == 1)
        #expect(try await broker.subscribe(client, "t", options: .init(retainHandling: .sendOnSubscribe)).retained.count == 1)
        #expect(try await broker.subscribe(client, "t", options: .init(retainHandling: .sendOnNewSubscribe)).retained.isEmpty)
        #expect(try await broker.subscribe(client, "+", options: .init(retainHandling: .sendOnNewSubscribe)).retained.count == 1)
        #expect(try await broker.subscribe(client, "#", options: .init(retainHandling: .doNotSend)).retained.isEmpty)
        #expect(try await broker.subscribe(client, "$share/g/t").retained.isEmpty)
    }

    @Test("SUBACK answers refused, invalid and granted filters; No Local on a shared subscription is a protocol error")
    func subscribeAnswers() async throws {
        let broker = MQTTBroker.forTesting()
        let client = await broker.attach("c")
        let answer = try await broker.subscribe(client, "secret/#", "a/#/b", "ok/+", options: .init(qos: .exactlyOnce), refused: [0])
        #expect(answer.codes == [.notAuthorized, .topicFilterInvalid, .grantedQoS2])
        #expect(await broker.publish("secret/x", "no") == 0, "a refused filter is not subscribed")

        await #expect(throws: MQTTProtocolError.self) {
            try await broker.subscribe(client, "fine", "$share/g/t", options: .init(noLocal: true))
        }
        #expect(await broker.publish("fine", "x") == 0, "nothing of a refused SUBSCRIBE is applied")

        let unsubAck = await broker.unsubscribe(client.key, MQTTUnsubscribePacket(packetIdentifier: 2, topicFilters: ["ok/+", "ok/+", "a/#/b"]))
        #expect(unsubAck.reasonCodes == [.success, .noSubscriptionExisted, .noSubscriptionExisted])
        #expect(await broker.publish("ok/1", "x") == 0)
    }

    @Test("No Local keeps a client's own publications from coming back to it")
    func noLocal() async throws {
        let broker = MQTTBroker.forTesting()
        let client = await broker.attach("c")
        try await broker.subscribe(client, "echo", options: .init(noLocal: true))
        #expect(await broker.publish("echo", "mine", from: client.key) == 0)
        #expect(await broker.publish("echo", "theirs") == 1)
        #expect(summary(await client.events.take(1)) == [Received(topic: "echo", text: "theirs")])
    }

    @Test("each message to a shared group reaches exactly one member, in turn, preferring connected members")
    func sharedSubscription() async throws {
        let broker = MQTTBroker.forTesting()
        let one = await broker.attach("one")
        let two = await broker.attach("two")
        try await broker.subscribe(one, "$share/workers/jobs/#", options: .init(qos: .atLeastOnce))
        try await broker.subscribe(two, "$share/workers/jobs/#", options: .init(qos: .atLeastOnce))
        for number in 1...4 {
            #expect(await broker.publish("jobs/\(number)", "\(number)", qos: .atLeastOnce) == 1)
        }
        let toOne = summary(await one.events.take(4, timeout: .milliseconds(200)))
        let toTwo = summary(await two.events.take(4, timeout: .milliseconds(200)))
        #expect(toOne.count == 2 && toTwo.count == 2)
        #expect(Set(toOne.map(\.text) + toTwo.map(\.text)) == ["1", "2", "3", "4"])

        await broker.detach(two, sessionExpiry: 60)
        for number in 5...6 { await broker.publish("jobs/\(number)", "\(number)", qos: .atLeastOnce) }
        #expect(summary(await one.events.take(2)).map(\.text) == ["5", "6"])
    }

    @Test("a full mailbox drops its oldest event and counts it")
    func mailboxOverflow() async throws {
        let broker = MQTTBroker.forTesting(mailboxSize: 2)
        // Read the mailbox only after publishing: a reader running alongside could drain it before it fills.
        let answer = await broker.connect(client: MQTTClient(mountPoint: "p1/", owner: "tester", clientIdentifier: "slow", name: "slow"), cleanStart: true)
        let key = MQTTSessionKey(mountPoint: "p1/", owner: "tester", clientIdentifier: "slow")
        _ = try await broker.subscribe(key, MQTTSubscribePacket(packetIdentifier: 1, subscriptions: [.init(topicFilter: "t")]), version: .v5)
        for number in 1...3 { await broker.publish("t", "\(number)") }
        #expect(await broker.droppedEvents == 1)
        let events = EventLog(answer.events)
        #expect(summary(await events.take(2)).map(\.text) == ["2", "3"])
    }
}

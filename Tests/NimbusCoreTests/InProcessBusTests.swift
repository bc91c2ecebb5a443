import Foundation
import NimbusCore
import Testing

@Suite("In-process bus")
struct InProcessBusTests {
    let event = DeviceCommand(action: "ping", parameters: [:])

    @Test("messages reach the subscribers of their topic only, and publish counts them")
    func routing() async throws {
        let bus = InProcessBus()
        let first = bus.subscribe(to: [.device(1)])
        let second = bus.subscribe(to: [.device(1), .device(2)])
        let other = bus.subscribe(to: [.device(3)])
        #expect(bus.publish(.command(event), to: .device(1)) == 2)
        #expect(bus.publish(.command(event), to: .device(9)) == 0)
        var iterator = first.messages.makeAsyncIterator()
        #expect(await iterator.next() == .command(event))
        var secondIterator = second.messages.makeAsyncIterator()
        #expect(await secondIterator.next() == .command(event))
        other.cancel()
        var otherIterator = other.messages.makeAsyncIterator()
        #expect(await otherIterator.next() == nil, "a cancelled subscription's stream ends without messages")
        first.cancel()
        second.cancel()
        #expect(bus.subscriptionCount == 0)
    }

    @Test("the bus tells whether any topic of a kind has a subscriber, until the last one of the kind leaves")
    func subscribedKinds() async throws {
        let bus = InProcessBus(queueLimit: 1)
        #expect(!bus.mayHaveSubscribers(.user))
        let first = bus.subscribe(to: [.user(1), .user(1), .home(4)])
        let second = bus.subscribe(to: [.user(2)])
        #expect(bus.mayHaveSubscribers(.user) && bus.mayHaveSubscribers(.home))
        #expect(!bus.mayHaveSubscribers(.device) && !bus.mayHaveSubscribers(.project))
        first.cancel()
        #expect(bus.mayHaveSubscribers(.user), "the second user is still subscribed")
        #expect(!bus.mayHaveSubscribers(.home))
        // A subscriber cut off for falling behind leaves as one that cancels.
        bus.publish(.command(event), to: .user(2))
        bus.publish(.command(event), to: .user(2))
        #expect(!bus.mayHaveSubscribers(.user))
        second.cancel()
    }

    @Test("a subscriber that falls behind is cut off instead of growing without bound")
    func slowSubscriber() async throws {
        let bus = InProcessBus(queueLimit: 4)
        let slow = bus.subscribe(to: [.device(1)])
        let delivered = (0..<10).map { _ in bus.publish(.command(event), to: .device(1)) }
        #expect(delivered.prefix(4) == [1, 1, 1, 1])
        #expect(delivered[4] == 0, "the fifth message overflows the queue and ends the stream")
        var count = 0
        for await _ in slow.messages { count += 1 }
        #expect(count == 4, "what was queued before the cut is still delivered, then the stream ends")
        #expect(bus.subscriptionCount == 0)
    }
}

@Suite("In-process bus: bytes waiting")
struct InProcessBusByteLimitTests {
    /// A command of about 10 KB.
    let large = BusMessage.command(DeviceCommand(action: "firmware", parameters: ["chunk": .string(String(repeating: "x", count: 10_000))]))

    @Test("a subscriber with more bytes waiting than the limit is cut off, one that reads is not")
    func byteLimit() async throws {
        #expect((10_000...10_300).contains(large.approximateSize))
        let bus = InProcessBus(queueLimit: 1024, byteLimit: 50_000)
        let slow = bus.subscribe(to: [.device(1)])
        let reader = bus.subscribe(to: [.device(1)])
        var readerMessages = reader.messages.makeAsyncIterator()
        for _ in 0..<20 {
            bus.publish(large, to: .device(1))
            // The reader takes each message at once: its backlog never grows, though 200 KB pass through it.
            #expect(await readerMessages.next() == large)
        }
        var slowCount = 0
        for await _ in slow.messages { slowCount += 1 }
        #expect(slowCount == 4, "four messages of ~10 KB fit in 50,000 bytes; the fifth ended the stream")
        #expect(bus.subscriptionCount == 1, "the reader is still subscribed")
        #expect(bus.publish(large, to: .device(1)) == 1)
        reader.cancel()
    }

    @Test("the size of a message grows with what its sender controls")
    func sizes() {
        let small = BusMessage.command(DeviceCommand(action: "a", parameters: [:]))
        let event = BusMessage.event(Event(
            id: 1, projectId: 1, homeId: nil, eventType: "t", eventData: ["list": .array([.number(1), .string("abc"), .null])],
            origin: .device(id: 1, deviceClass: "c"), timestamp: .now))
        #expect(small.approximateSize < 200)
        #expect(JSONValue.array([.number(1), .string("abc"), .null]).approximateSize == 2 + 9 + 6 + 5)
        #expect(event.approximateSize > small.approximateSize)
    }
}

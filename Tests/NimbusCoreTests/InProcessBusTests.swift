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

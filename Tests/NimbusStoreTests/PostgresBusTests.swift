import Foundation
import Logging
import NimbusCore
@testable import NimbusStore
import Testing

@Suite("The bus between servers")
struct PostgresBusTests {
    @Test("its queue to the other servers stays within its bound while this server's subscribers get everything",
          .enabled(if: StoreBackend.available.contains(.postgres)))
    func outgoingBound() async throws {
        try await withStore(.postgres) { store in
            let bus = try #require(
                store.bus(local: InProcessBus(), outgoingLimit: 4, outgoingByteLimit: 2 << 20, logger: Logger(label: "bus-test")) as? PostgresBus)
            let subscription = bus.subscribe(to: [.device(-1)])
            var delivered = 0, mostQueued = 0
            for _ in 0..<100 {
                delivered += bus.publish(.revoked, to: .device(-1))
                mostQueued = max(mostQueued, bus.outgoingCount)
            }
            #expect(delivered == 100, "every message reached this server's subscriber")
            #expect(mostQueued <= 4)
            subscription.cancel()
        }
    }

    @Test("messages are packed into notifications under PostgreSQL's limit, a message too large for one spilled")
    func packing() async throws {
        let items = (0..<50).map { BusEnvelope.encode(.message(topic: .device($0), message: .revoked))! }
        let large = BusEnvelope.encode(.message(topic: .device(1), message: .command(DeviceCommand(
            action: "big", parameters: ["text": .string(String(repeating: "x", count: 20_000))]))))!
        var spilled: [String] = []
        let payloads = try await BusEnvelope.pack(items + [large] + items, node: "n", limit: PostgresBus.payloadLimit) { item in
            spilled.append(item)
            return 7
        }
        #expect(payloads.allSatisfy { $0.utf8.count <= PostgresBus.payloadLimit })
        #expect(spilled == [large])
        let decoded = payloads.compactMap(BusEnvelope.decode).flatMap(\.items)
        #expect(decoded.count == 101, "every message, the large one as its spill")
        guard case .spill(7) = decoded[50] else { Issue.record("the large message's place holds its spill"); return }
    }
}

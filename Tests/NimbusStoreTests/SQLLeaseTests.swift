import Foundation
import NimbusCore
import NimbusStore
import Testing

@Suite("Leases on periodic work")
struct SQLLeaseTests {
    @Test("one server holds a lease until it expires; its holder renews it, another takes it once expired",
          arguments: StoreBackend.available)
    func lease(backend: StoreBackend) async throws {
        try await withStore(backend) { store in
            let name = "work-\(UUID().uuidString)", now = Date()
            func claim(_ holder: String, at time: Date) async throws -> Bool {
                try await store.write { tx in try await tx.leases.claim(name, holder: holder, at: time, until: time + 60) }
            }
            let outcomes = [
                try await claim("a", at: now),
                try await claim("b", at: now + 1),  // held by a
                try await claim("a", at: now + 30),  // renewed by its holder, until now + 90
                try await claim("b", at: now + 80),
                try await claim("b", at: now + 91),  // expired: b takes it
                try await claim("a", at: now + 92),
            ]
            #expect(outcomes == [true, false, true, false, true, false])
            // b is no server among the living: its lease ends at once, and a takes it before it would have expired.
            let alive = "a-\(UUID().uuidString)"
            try await store.write { tx in
                try await tx.nodes.heartbeat(node: alive, at: now)
                try await tx.leases.releaseLeasesOfServersGone()
            }
            #expect(try await claim(alive, at: now + 93))
        }
    }
}

import Foundation

extension DeviceConnectionTracker {
    /// Records that this server is alive, forgets the servers not seen for `staleAfter` with the device connections
    /// they held (and releases the outbox messages they had claimed and the leases they held), and marks offline the devices no server holds a
    /// connection of any more (firing the rules watching them). With `staleAfter` `nil`, every other server is forgotten: at the start of a server that is alone on its
    /// database (SQLite), where no connection of an earlier run can be left.
    public func beat(forgettingServersSilentFor staleAfter: Duration?) async throws {
        let node = environment.node, now = environment.clock.now()
        let cutoff = staleAfter.map { now.addingTimeInterval(-Double($0.components.seconds)) } ?? .distantFuture
        let orphaned = try await environment.store.write { tx in
            try await tx.nodes.heartbeat(node: node, at: now)
            try await tx.nodes.removeNodes(seenBefore: cutoff, except: node)
            try await tx.outbox.releaseClaims(ofServersGoneAt: now)
            try await tx.leases.releaseLeasesOfServersGone()
            return try await tx.nodes.connectedWithoutConnection()
        }
        for deviceId in orphaned where !isConnected(deviceId) { await record(deviceId) }
    }
}

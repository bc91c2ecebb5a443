import Foundation

extension Nimbus {
    /// Records that this server is alive and forgets the servers not seen for `staleAfter`, with what they held: their
    /// device connections (the devices no server holds a connection of any more are marked offline, firing the rules
    /// watching them), their outbox claims and leases (released at once), and the attempts counted past both
    /// throttles' windows. With `staleAfter` `nil`, every other server is forgotten: at the start of a server that is
    /// alone on its database (SQLite), where nothing of an earlier run can be held any more.
    public func beat(forgettingServersSilentFor staleAfter: Duration?) async throws {
        let node = environment.node, now = environment.clock.now()
        let cutoff = staleAfter.map { now.addingTimeInterval(-Double($0.components.seconds)) } ?? .distantFuture
        let countsKept = max(Double(environment.signInThrottle.limits.window.components.seconds), environment.messageThrottle.limits.window)
        let orphaned = try await environment.store.write { tx in
            try await tx.nodes.heartbeat(node: node, at: now)
            try await tx.nodes.removeNodes(seenBefore: cutoff, except: node)
            try await tx.outbox.releaseClaims(ofServersGoneAt: now)
            try await tx.leases.releaseLeasesOfServersGone()
            try await tx.attemptCounts.forget(changedBefore: now.addingTimeInterval(-countsKept))
            return try await tx.nodes.connectedWithoutConnection()
        }
        for deviceId in orphaned where !connections.isConnected(deviceId) { await connections.record(deviceId) }
    }
}

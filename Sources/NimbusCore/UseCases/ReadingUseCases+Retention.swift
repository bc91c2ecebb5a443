import Foundation
import Logging

extension ReadingUseCases {
    /// Readings one delete statement removes: the write lock is held for a bounded time, and readings being
    /// acknowledged meanwhile wait for at most one batch.
    static let retentionBatch = 5_000

    /// One pass of every project's retention (`ReadingRetention`): deletes the raw readings and minute rollups older
    /// than the project keeps them, channel by channel along their index, a batch per write transaction. The latest
    /// value of each channel and the hour and day rollups stay. Returns how many readings it deleted.
    /// - Parameter lease: how long this server keeps the pass to itself among the servers sharing the database: a pass
    ///   runs on the server that holds the lease `reading-retention` (taken when expired, renewed by its holder), and
    ///   the others skip it (returning 0). A little less than the interval between passes.
    public func applyRetention(lease: TimeInterval) async throws -> Int {
        let now = environment.clock.now(), node = environment.node
        guard try await environment.store.write({ tx in
            try await tx.leases.claim("reading-retention", holder: node, at: now, until: now + lease)
        }) else { return 0 }
        var deleted = 0
        func cutoff(_ days: Int?) -> Date? { days.map { now.addingTimeInterval(-Double($0) * 86_400) } }
        for retention in try await environment.store.read({ tx in try await tx.readings.retentions() }) {
            let (readingCutoff, minuteCutoff) = (cutoff(retention.readingDays), cutoff(retention.minuteRollupDays))
            let channels = try await environment.store.read { tx in try await tx.readings.channels(projectId: retention.projectId) }
            for channel in channels {
                if let cutoff = readingCutoff {
                    while true {
                        let batch = try await environment.store.write { tx in
                            try await tx.readings.deleteReadings(of: channel, before: cutoff, limit: Self.retentionBatch)
                        }
                        deleted += batch
                        if batch < Self.retentionBatch { break }
                    }
                }
                if let cutoff = minuteCutoff {
                    try await environment.store.write { tx in try await tx.readings.deleteRollups(of: channel, size: .minute, before: cutoff) }
                }
            }
        }
        if deleted > 0 { environment.logger.info("retention deleted old readings", metadata: ["readings": "\(deleted)"]) }
        return deleted
    }
}

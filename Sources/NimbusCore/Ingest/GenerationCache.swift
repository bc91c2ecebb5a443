import Synchronization

/// Rows a batch transaction read, kept for the next batches while the store's generation stays the same
/// (`StoreTransaction.stableGeneration`): the event ingest's devices and MODE's smart modules of a project, read
/// once per batch otherwise: two of an event batch's five statements (+6 % on the event PUT at 16 connections,
/// Benchmarks/README).
///
/// Any other write transaction, in this process or another, starts a new generation, and the first batch of a
/// new generation finds the cache empty: nothing is invalidated by hand, so no change to a device or a module
/// can be missed. Where the store has no generation (PostgreSQL), every batch reads.
public final class GenerationCache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private struct Kept {
        var generation: UInt64?
        var values: [Key: Value] = [:]
    }

    private let kept = Mutex(Kept())
    private let limit: Int

    /// - Parameter limit: the most values kept; past it the cache starts over (a fleet larger than that reads
    ///   each batch's rows as if there were no cache, at the cost of one dictionary).
    public init(limit: Int = 10_000) {
        self.limit = limit
    }

    /// The values of `keys`: those kept for the transaction's generation, the rest from `read` (and kept). Keys
    /// `read` gives nothing for (a device deleted meanwhile) are absent, and asked again next time.
    public func values(
        for keys: Set<Key>, in tx: any StoreTransaction, read: ([Key]) async throws -> [Key: Value]
    ) async throws -> [Key: Value] {
        guard let generation = tx.stableGeneration else { return try await read(Array(keys)) }
        var found: [Key: Value] = [:]
        let missing = kept.withLock { kept -> [Key] in
            if kept.generation != generation { kept = Kept(generation: generation) }
            var missing: [Key] = []
            for key in keys {
                if let value = kept.values[key] { found[key] = value } else { missing.append(key) }
            }
            return missing
        }
        guard !missing.isEmpty else { return found }
        let read = try await read(missing)
        kept.withLock { kept in
            guard kept.generation == generation else { return }
            if kept.values.count + read.count > limit { kept.values = [:] }
            kept.values.merge(read) { _, new in new }
        }
        return found.merging(read) { _, new in new }
    }
}

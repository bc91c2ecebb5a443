import Metrics

/// The commit of one batch of a durable pipeline (`EventIngest`, `ReadingIngest`): in one transaction, `append`
/// resolves and stores the batch's records and every observer's `stage` runs on them; once the transaction is
/// durable, `stored` counts the records and every observer's `committed` runs, before the batch's callers are
/// answered (`GroupCommit` answers them when this returns).
///
/// `appendsOnly` says that the pipeline and its observers append records and rows derived from them and change
/// nothing else (events: yes; readings: no, they create a thing's channels and mark things online): the batch is
/// then a `Store.writeBatch`, whose transaction keeps the store's generation, so what the batch reads through a
/// `GenerationCache` serves the next batches.
enum IngestBatch {
    static func commit<Record: Sendable>(
        store: any Store, observers: [any IngestObserver<Record>], stored: Counter, appendsOnly: Bool,
        append: @escaping @Sendable (any StoreTransaction) async throws -> (records: [Record], refusals: [NimbusError?])
    ) async throws -> [NimbusError?] {
        let transaction: @Sendable (any StoreTransaction) async throws -> ([Record], [NimbusError?], [@Sendable () -> Void]) = { tx in
            let (records, refusals) = try await append(tx)
            var followUps: [@Sendable () -> Void] = []
            for observer in observers { followUps.append(try await observer.stageForCommit(records, in: tx)) }
            return (records, refusals, followUps)
        }
        let (records, refusals, followUps) = appendsOnly ? try await store.writeBatch(transaction) : try await store.write(transaction)
        stored.increment(by: records.count)
        for followUp in followUps { followUp() }
        return refusals
    }
}

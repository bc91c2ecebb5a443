import Metrics

/// The commit of one batch of a durable pipeline (`EventIngest`, `ReadingIngest`): in one transaction, `append`
/// resolves and stores the batch's records and every observer's `stage` runs on them; once the transaction is
/// durable, `stored` counts the records and every observer's `committed` runs, before the batch's callers are
/// answered (`GroupCommit` answers them when this returns).
enum IngestBatch {
    static func commit<Record: Sendable>(
        store: any Store, observers: [any IngestObserver<Record>], stored: Counter,
        append: @escaping @Sendable (any StoreTransaction) async throws -> (records: [Record], refusals: [NimbusError?])
    ) async throws -> [NimbusError?] {
        let (records, refusals, followUps) = try await store.write { tx in
            let (records, refusals) = try await append(tx)
            var followUps: [@Sendable () -> Void] = []
            for observer in observers { followUps.append(try await observer.stageForCommit(records, in: tx)) }
            return (records, refusals, followUps)
        }
        stored.increment(by: records.count)
        for followUp in followUps { followUp() }
        return refusals
    }
}

/// Something that reacts to records made durable by an ingest pipeline (events today; telemetry
/// readings, rule firings and job runs next).
///
/// An observer takes part in two moments of each batch:
/// - `stage` runs inside the transaction that stores the batch, after the records are written: it writes
///   the rows derived from them (webhook deliveries, latest values, outbox items), which then commit or roll
///   back with the records. Throwing rolls the whole batch back (the pipeline then retries its records one
///   by one, so one bad record does not fail its neighbours).
/// - `committed` runs once that transaction has committed, with what `stage` returned: publish on the bus,
///   wake a worker. It runs on the write path, before the next batch starts: it must not block or await.
///
/// Dialects contribute observers through the assembly; the core contributes the live publisher.
public protocol IngestObserver<Record>: Sendable {
    associatedtype Record: Sendable
    /// What `stage` hands to `committed` (for example, whether it enqueued anything).
    associatedtype Staged: Sendable = Void

    func stage(_ records: [Record], in transaction: any StoreTransaction) async throws -> Staged
    func committed(_ records: [Record], staged: Staged)
}

extension IngestObserver where Staged == Void {
    /// Observers that only publish write nothing in the transaction.
    public func stage(_ records: [Record], in transaction: any StoreTransaction) async throws {}
}

extension IngestObserver {
    /// Runs `stage` and returns the matching `committed` call, to make once the transaction has committed.
    /// (A generic function, so that the pipeline can hold observers of any `Staged` type in one list.)
    func stageForCommit(_ records: [Record], in transaction: any StoreTransaction) async throws -> @Sendable () -> Void {
        let staged = try await stage(records, in: transaction)
        return { self.committed(records, staged: staged) }
    }
}

/// Readings carried by another pipeline's records (a MODE device event's numbers), stored in that pipeline's
/// transaction with everything a reading keeps (its channel's latest value, the rollups), so that the readings of
/// every dialect are kept and read alike and commit or roll back with the records they came from.
public enum DerivedReadings {
    /// What every reading's transaction also writes, in this order (`ReadingUseCases` runs them on its own readings).
    static let keepers: [any IngestObserver<Reading>] = [LatestReadingsObserver(), RollupObserver()]
    /// The keepers without the rollups, only to measure what they cost (`CoreEnvironment.rollsUpReadings`).
    static let keepersWithoutRollups: [any IngestObserver<Reading>] = [LatestReadingsObserver()]

    /// Stores the readings (their `id` is ignored) with their latest values and rollups.
    public static func append(_ readings: [Reading], in tx: any StoreTransaction) async throws {
        guard !readings.isEmpty else { return }
        let stored = try await tx.readings.append(readings)
        // The keepers write in the transaction only; they have nothing to do once it commits.
        for keeper in keepers { _ = try await keeper.stageForCommit(stored, in: tx) }
    }
}

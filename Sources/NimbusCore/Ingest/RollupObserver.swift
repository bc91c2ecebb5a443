/// Keeps the per-minute, per-hour and per-day rollups of each sensor's numbers in the readings' own transaction, so
/// that they always agree with the raw readings (a rolled-back batch rolls its rollups back too). Count, sum,
/// minimum and maximum merge in any order, so readings arriving late or out of order roll up as well.
struct RollupObserver: IngestObserver {
    func stage(_ readings: [Reading], in transaction: any StoreTransaction) async throws {
        try await transaction.readings.mergeRollups(ReadingRollup.of(readings))
    }

    func committed(_ readings: [Reading], staged: Void) {}
}

/// Keeps the latest reading of each sensor channel in the readings' own transaction, so the status screen
/// (`TelemetryUseCases.state`) never shows a value older than one already acknowledged. Of a batch's readings of
/// one sensor the newest `timestamp` is written (the last one on a tie), and the store keeps it only if it is not
/// older than the channel's latest: readings may arrive out of order (LoRaWAN uplinks carry their own time).
struct LatestReadingsObserver: IngestObserver {
    func stage(_ readings: [Reading], in transaction: any StoreTransaction) async throws {
        var newest: [SensorChannel: Reading] = [:]
        for reading in readings {
            let key = SensorChannel(sensorId: reading.sensorId, channel: reading.channel)
            if newest[key].map({ reading.timestamp >= $0.timestamp }) ?? true { newest[key] = reading }
        }
        try await transaction.readings.updateLatest(Array(newest.values))
    }

    func committed(_ readings: [Reading], staged: Void) {}
}

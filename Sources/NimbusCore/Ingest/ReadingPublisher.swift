/// Publishes committed readings live, grouped by home, to each home's topic (a Cayenne account's stream).
/// Nothing is read: a stream maps the readings' things to what its clients are shown, so this stays off the
/// store's path. Live delivery is best effort; what must survive is in the store.
struct ReadingPublisher: IngestObserver {
    let bus: any MessageBus

    func committed(_ readings: [Reading], staged: Void) {
        var byHome: [Int: [Reading]] = [:]
        for reading in readings {
            if let homeId = reading.homeId { byHome[homeId, default: []].append(reading) }
        }
        for (homeId, readings) in byHome { bus.publish(.readings(readings), to: .home(homeId)) }
    }
}

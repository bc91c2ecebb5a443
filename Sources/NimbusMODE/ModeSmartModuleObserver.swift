import NimbusCore

/// MODE's smart modules, as an observer of the event write path. For each stored event:
/// - a project's `webhooks` module subscribed to its type gets an outbox item carrying the event as the user
///   WebSocket renders it (the outbox worker sends it, with retries, once woken after the commit);
/// - a project's `tsdb` module subscribed to its type makes a device's event into readings (`ModeTimeSeries`), kept
///   with their latest values and rollups like every dialect's readings.
/// Both are written in the events' own transaction, so nothing is lost for an acknowledged event nor kept for one
/// that was rolled back. A project's modules are read once per batch, or kept from an earlier batch while no other
/// write has run since (`GenerationCache`).
struct ModeSmartModuleObserver: IngestObserver {
    let wakeOutbox: @Sendable () -> Void
    let limits: ThingLimits
    let modulesOfProjects = GenerationCache<Int, [SmartModule]>()

    /// - Returns: whether any delivery was enqueued.
    func stage(_ events: [Event], in tx: any StoreTransaction) async throws -> Bool {
        let modules = try await modulesOfProjects.values(for: Set(events.map(\.projectId)), in: tx) { projectIds in
            var modules: [Int: [SmartModule]] = [:]
            for projectId in projectIds { modules[projectId] = try await tx.smartModules.list(projectId: projectId) }
            return modules
        }
        var enqueued = false
        var series: [(deviceId: Int, event: Event, readings: [NewReading])] = []
        for event in events {
            let subscribed = (modules[event.projectId] ?? []).filter { $0.subscribes(to: event.eventType) }
            for module in subscribed where module.moduleType == SmartModule.webhooksType {
                let delivery = WebhookDelivery(projectId: event.projectId, moduleId: module.id, body: Self.body(of: event))
                try await tx.outbox.enqueue(delivery, at: event.timestamp)
                enqueued = true
            }
            if case .device(let deviceId, _) = event.origin, subscribed.contains(where: { $0.moduleType == SmartModule.timeSeriesType }) {
                let readings = ModeTimeSeries.readings(of: event, limit: limits.readingsPerMessage)
                if !readings.isEmpty { series.append((deviceId, event, readings)) }
            }
        }
        if !series.isEmpty { try await DerivedReadings.append(try await Self.readings(series, limits: limits, in: tx), in: tx) }
        return enqueued
    }

    func committed(_ events: [Event], staged enqueued: Bool) {
        if enqueued { wakeOutbox() }
    }

    /// The body of a delivery: the event exactly as the user WebSocket sends it.
    static func body(of event: Event) -> String {
        // Encoding plain strings, numbers and JSON values cannot fail.
        (try? ModeWire.json(ModeWire.Event(event))) ?? "{}"
    }

    /// The devices' readings, each device its own sensor. A device keeps at most `limits.channelsPerThing` channels:
    /// readings on further new channels are dropped (the event itself is stored and delivered as ever).
    private static func readings(
        _ series: [(deviceId: Int, event: Event, readings: [NewReading])], limits: ThingLimits, in tx: any StoreTransaction
    ) async throws -> [Reading] {
        var channels: [Int: Set<String>] = [:]
        for known in try await tx.readings.channels(sensorIds: Array(Set(series.map(\.deviceId)))) {
            channels[known.sensorId, default: []].insert(known.channel)
        }
        var readings: [Reading] = []
        for (deviceId, event, newReadings) in series {
            for reading in newReadings {
                if channels[deviceId]?.contains(reading.channel) != true {
                    guard channels[deviceId, default: []].count < limits.channelsPerThing else { continue }
                    channels[deviceId, default: []].insert(reading.channel)
                }
                readings.append(Reading(
                    id: 0, projectId: event.projectId, homeId: event.homeId, deviceId: deviceId, sensorId: deviceId,
                    channel: reading.channel, value: reading.value, type: reading.type, unit: reading.unit, timestamp: reading.timestamp))
            }
        }
        return readings
    }
}

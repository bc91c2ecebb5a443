import Foundation
import Metrics

/// The durable write path of readings, beside `EventIngest` and built the same way: each batch (`GroupCommit`) is
/// one transaction that looks up the batch's things, finds or makes the child thing of each channel, appends
/// the readings, marks the things online and runs the observers' `stage`; once it is durable, their `committed`
/// runs and the callers are answered.
struct ReadingIngest: Sendable {
    /// Readings a thing sent about its own channels.
    struct Submission: Sendable {
        var thingId: Int
        var readings: [NewReading]
    }

    private let group: GroupCommit<Submission>

    init(store: any Store, observers: [any IngestObserver<Reading>], clock: any WallClock, limits: ThingLimits) {
        let stored = Counter(label: "nimbus_readings_stored_total")
        let batchSize = Recorder(label: "nimbus_readings_batch_size")
        group = GroupCommit(executor: store.writeExecutor) { submissions in
            batchSize.record(submissions.count)
            return try await IngestBatch.commit(store: store, observers: observers, stored: stored, appendsOnly: false) { tx in
                let (readings, refusals) = try await ReadingIngest.resolve(submissions, at: clock.now(), limits: limits, in: tx)
                return (try await tx.readings.append(readings), refusals)
            }
        }
    }

    /// Returns once the readings are stored with everything their observers derive from them.
    func write(_ submission: Submission) async throws {
        try await group.write(submission)
    }

    /// The submissions as readings of their things' channel sensors, made where missing; a submission whose thing
    /// is gone or deactivated, or whose new channels would pass the thing's or the account's limit, is refused alone.
    private static func resolve(
        _ submissions: [Submission], at now: Date, limits: ThingLimits, in tx: any StoreTransaction
    ) async throws -> (readings: [Reading], refusals: [NimbusError?]) {
        let ids = Array(Set(submissions.map(\.thingId)))
        let things = Dictionary(try await tx.devices.get(ids: ids).map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var sensors: [Int: [String: Device]] = [:]
        for child in try await tx.devices.children(of: ids) {
            if let parentId = child.parentId, let channel = child.channel { sensors[parentId, default: [:]][channel] = sensors[parentId]?[channel] ?? child }
        }
        var readings: [Reading] = []
        var refusals: [NimbusError?] = []
        var online: Set<Int> = []
        for submission in submissions {
            guard let thing = things[submission.thingId], thing.status == .activated else {
                refusals.append(.notFound("thing"))
                continue
            }
            let newChannels = Set(submission.readings.map(\.channel)).subtracting(sensors[thing.id]?.keys ?? [:].keys)
            if thing.parentId == nil, !newChannels.isEmpty, let homeId = thing.homeId {
                do {
                    try await ThingUseCases.checkRoom(
                        for: newChannels.count, in: homeId, channelsOfParent: sensors[thing.id]?.count ?? 0, limits: limits, tx: tx)
                } catch let refusal as NimbusError {
                    refusals.append(refusal)
                    continue
                }
            }
            for reading in submission.readings {
                let sensor = try await sensor(of: thing, channel: reading.channel, type: reading.type, known: &sensors, at: now, tx: tx)
                readings.append(Reading(
                    id: 0, projectId: thing.projectId, homeId: thing.homeId, deviceId: thing.id, sensorId: sensor.id,
                    channel: reading.channel, value: reading.value, type: reading.type, unit: reading.unit, timestamp: reading.timestamp))
            }
            online.insert(thing.id)
            refusals.append(nil)
        }
        try await tx.devices.setLastOnline(ids: Array(online), at: now)
        return (readings, refusals)
    }

    /// The child thing that stands for `channel`, made on the channel's first reading so that REST clients find
    /// its sensor id. A child that reports stands for its own channels.
    private static func sensor(
        of thing: Device, channel: String, type: String?, known: inout [Int: [String: Device]], at now: Date, tx: any StoreTransaction
    ) async throws -> Device {
        if thing.parentId != nil { return thing }
        if let sensor = known[thing.id]?[channel] { return sensor }
        let sensor = try await tx.devices.insert(ThingUseCases.newThing(
            projectId: thing.projectId, homeId: thing.homeId, typeId: ThingType.genericSensorId,
            name: type.map { "\($0) (channel \(channel))" } ?? "Channel \(channel)", parentId: thing.id, channel: channel,
            hardwareId: nil, status: .activated, properties: ["channel": JSONValue.channel(channel)], at: now))
        known[thing.id, default: [:]][channel] = sensor
        return sensor
    }
}

extension JSONValue {
    /// A channel as the API shows it: a number when it is one (`"3"` → `3`), else the text.
    public static func channel(_ channel: String) -> JSONValue {
        if let number = Int(channel), String(number) == channel { return .number(Double(number)) }
        return .string(channel)
    }
}

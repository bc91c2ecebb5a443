import Foundation
import Logging
import NimbusCore
import NimbusStore

/// What rollups cost on durable ingest, measured in one run: the same core and store take readings from `--writers`
/// concurrent things (one reading each per call, acknowledged once on disk, as Cayenne MQTT QoS 1 does) for
/// `--seconds`, once with rollups and once without, alternating `--rounds` times on fresh stores. Prints readings/s of
/// each round and the ratio of the medians. `--database postgres://…` measures PostgreSQL instead of SQLite (its
/// rounds share the database, each with a project of its own).
///
///     swift build -c release --product reading-ingest-bench && .build/release/reading-ingest-bench --seconds 5
let arguments = CommandLine.arguments
func option(_ name: String) -> String? {
    arguments.firstIndex(of: name).flatMap { arguments.indices.contains($0 + 1) ? arguments[$0 + 1] : nil }
}
let seconds = option("--seconds").flatMap(Double.init) ?? 5
let writers = option("--writers").flatMap(Int.init) ?? 64
let rounds = option("--rounds").flatMap(Int.init) ?? 3
let database = option("--database")
let logger = {
    var logger = Logger(label: "reading-ingest-bench")
    logger.logLevel = .warning
    return logger
}()

/// Readings per second acknowledged in one round on a fresh store.
func round(rollups: Bool) async throws -> Double {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("reading-ingest-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let store = try await SQLStore.open(databaseURL: database, dataDirectory: directory, logger: logger)
    var environment = CoreEnvironment(store: store, bus: InProcessBus(), logger: logger)
    environment.rollsUpReadings = rollups
    let nimbus = Nimbus(environment: environment)
    let project = try await nimbus.admin.createProject(name: "bench", accountMode: .email, provisioning: .claim, by: .system)
    let now = Date()
    let things = try await store.write { tx in
        let home = try await tx.homes.insert(projectId: project.id, name: "account", at: now)
        var things: [Int] = []
        for index in 0..<writers {
            things.append(try await tx.devices.insert(ThingUseCases.newThing(
                projectId: project.id, homeId: home.id, typeId: ThingType.genericDeviceId, name: "thing \(index)", parentId: nil,
                channel: nil, hardwareId: nil, status: .activated, properties: [:], at: now)).id)
        }
        return things
    }
    let deadline = ContinuousClock.now + .seconds(seconds)
    let acknowledged = try await withThrowingTaskGroup(of: Int.self) { group in
        for thing in things {
            group.addTask {
                var count = 0
                while ContinuousClock.now < deadline {
                    let reading = NewReading(channel: "1", value: .number(Double(count % 400) / 10), type: "temp", unit: "c", timestamp: Date())
                    try await nimbus.readings.fromThing(thing, readings: [reading], by: .device(deviceId: thing, projectId: project.id))
                    count += 1
                }
                return count
            }
        }
        return try await group.reduce(0, +)
    }
    try await store.close()
    return Double(acknowledged) / seconds
}

var with: [Double] = []
var without: [Double] = []
for index in 1...rounds {
    without.append(try await round(rollups: false))
    with.append(try await round(rollups: true))
    print(String(format: "round %d: without rollups %.0f readings/s, with rollups %.0f readings/s", index, without.last!, with.last!))
}
func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
print(String(format: "median: without %.0f, with %.0f readings/s: with rollups at %.1f %% of without (goal: at least 80 %%)",
             median(without), median(with), 100 * median(with) / median(without)))

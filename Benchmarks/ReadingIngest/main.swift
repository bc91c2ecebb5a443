import Foundation
import Logging
import NimbusCore
import NimbusStore

/// What derived work costs on durable ingest, measured in one run: the same core and store take readings from
/// `--writers` concurrent writers (one reading per call, acknowledged once on disk, as Cayenne MQTT QoS 1 does) for
/// `--seconds`, once without and once with the work measured, alternating `--rounds` times on fresh stores. Prints
/// readings/s of each round and the ratio of the medians. What is measured (`--measure`):
///
/// - `rollups` (the default): the per-minute, hour and day rollups, against ingest without them; `--things` defaults to
///   the writers (one thing each).
/// - `rules`: `--rules-per-thing` enabled rules on each of `--things` things (default 1,000 × 10: 10,000 rules), each
///   watching the thing's channel 1 with a threshold (30 to 38) that the thing's readings, a sawtooth from 0 to 39.9 in
///   steps of 0.1, cross once every 400 readings: 2.5 % of readings fire a rule (its state, count and log entry; no
///   notification) and 5 % change a rule's state. Against the same ingest with no rules at all; rollups on in both.
///
/// Each thing sends one reading before the clock starts, in every round: what a thing's first reading does once in its
/// life (its channel's sensor is created; each rule watching it records that its trigger has been seen, a state write
/// for each of the 10,000 rules) would otherwise fill the first seconds of a short run, and steady ingest is measured.
///
/// `--database postgres://…` measures PostgreSQL instead of SQLite (its rounds share the database, each with a project
/// of its own).
///
///     swift build -c release --product reading-ingest-bench && .build/release/reading-ingest-bench --seconds 5
///     .build/release/reading-ingest-bench --measure rules
let arguments = CommandLine.arguments
func option(_ name: String) -> String? {
    arguments.firstIndex(of: name).flatMap { arguments.indices.contains($0 + 1) ? arguments[$0 + 1] : nil }
}
let seconds = option("--seconds").flatMap(Double.init) ?? 5
let writers = option("--writers").flatMap(Int.init) ?? 64
let rounds = option("--rounds").flatMap(Int.init) ?? 3
let database = option("--database")
let measuresRules = option("--measure") == "rules"
let thingCount = option("--things").flatMap(Int.init) ?? (measuresRules ? 1_000 : writers)
let rulesPerThing = option("--rules-per-thing").flatMap(Int.init) ?? 10
let logger = {
    var logger = Logger(label: "reading-ingest-bench")
    logger.logLevel = .error
    return logger
}()

/// Readings per second acknowledged in one round on a fresh store, with the measured work on or off.
func round(measured: Bool) async throws -> Double {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("reading-ingest-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let store = try await SQLStore.open(databaseURL: database, dataDirectory: directory, logger: logger)
    var environment = CoreEnvironment(store: store, bus: InProcessBus(), logger: logger)
    environment.rollsUpReadings = measuresRules || measured
    environment.thingLimits.thingsPerAccount = max(environment.thingLimits.thingsPerAccount, 2 * thingCount)
    let nimbus = Nimbus(environment: environment)
    let project = try await nimbus.admin.createProject(name: "bench", accountMode: .email, provisioning: .claim, by: .system)
    let now = Date()
    let things = try await store.write { tx in
        let home = try await tx.homes.insert(projectId: project.id, name: "account", at: now)
        var things: [Int] = []
        for index in 0..<thingCount {
            let thing = try await tx.devices.insert(ThingUseCases.newThing(
                projectId: project.id, homeId: home.id, typeId: ThingType.genericDeviceId, name: "thing \(index)", parentId: nil,
                channel: nil, hardwareId: nil, status: .activated, properties: [:], at: now))
            things.append(thing.id)
            guard measuresRules && measured else { continue }
            for rule in 0..<rulesPerThing {
                let trigger = RuleTrigger(thingId: thing.id, channel: "1", conditions: [RuleCondition(operator: .gt, values: [String(30 + rule % 9)])])
                try await tx.rules.insert(Rule(
                    id: Rule.newId(), projectId: project.id, homeId: home.id, title: "rule \(rule)", enabled: true,
                    definition: RuleDefinition(triggers: [trigger]), creationTime: now, updateTime: now))
            }
        }
        return things
    }
    let warmUp = NewReading(channel: "1", value: .number(0), type: "temp", unit: "c", timestamp: Date())
    try await withThrowingTaskGroup(of: Void.self) { group in
        for writer in 0..<writers {
            group.addTask {
                for thing in stride(from: writer, to: things.count, by: writers).map({ things[$0] }) {
                    try await nimbus.readings.fromThing(thing, readings: [warmUp], by: .device(deviceId: thing, projectId: project.id))
                }
            }
        }
        try await group.waitForAll()
    }
    let deadline = ContinuousClock.now + .seconds(seconds)
    let acknowledged = try await withThrowingTaskGroup(of: Int.self) { group in
        for writer in 0..<writers {
            let mine = stride(from: writer, to: things.count, by: writers).map { things[$0] }
            guard !mine.isEmpty else { continue }
            group.addTask {
                var count = 0
                while ContinuousClock.now < deadline {
                    let thing = mine[count % mine.count]
                    // A sawtooth from 0 to 39.9 over 400 readings of a thing: each rule's threshold is crossed once a cycle.
                    let value = Double((count / mine.count) % 400) / 10
                    let reading = NewReading(channel: "1", value: .number(value), type: "temp", unit: "c", timestamp: Date())
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

let what = measuresRules ? "\(thingCount * rulesPerThing) rules over \(thingCount) things" : "rollups"
var with: [Double] = []
var without: [Double] = []
for index in 1...rounds {
    without.append(try await round(measured: false))
    with.append(try await round(measured: true))
    print(String(format: "round %d: without %@ %.0f readings/s, with them %.0f readings/s", index, what, without.last!, with.last!))
}
func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
print(String(format: "median: without %.0f, with %.0f readings/s: with %@ at %.1f %% of without (goal: at least 80 %%)",
             median(without), median(with), what, 100 * median(with) / median(without)))

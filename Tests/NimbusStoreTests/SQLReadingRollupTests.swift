import Foundation
import NimbusCore
import SQLKit
import Testing

@testable import NimbusStore

/// Migration 13's rollups: merged in any order, read back by range, and the same whether made as readings come in
/// (the ingest's observer) or all at once from the readings (the migration's backfill) — on SQLite, and on
/// PostgreSQL when it is configured. Serialized: on PostgreSQL the tests share one database, and the backfill's
/// check recomputes every rollup in it.
@Suite("SQL store: reading rollups", .serialized)
struct SQLReadingRollupTests {
    /// A day's readings of one sensor at uneven times, some text, out of order.
    static let base = Date(timeIntervalSince1970: 1_764_892_800)  // 2025-12-05 00:00 UTC

    func readings(projectId: Int, homeId: Int, parent: Int, sensor: Int) -> [Reading] {
        let offsets: [(TimeInterval, ReadingValue)] = [
            (30, .number(10)), (50, .number(14)), (61, .number(-3)), (3_599, .number(7.5)), (3_600, .number(8)), (7_300, .text("on")),
            (86_399, .numbers([52.37, 4.89])), (86_400, .number(100)), (45, .number(2)),
        ]
        return offsets.map { offset, value in
            Reading(
                id: 0, projectId: projectId, homeId: homeId, deviceId: parent, sensorId: sensor, channel: "1", value: value, type: "temp",
                unit: "c", timestamp: Self.base + offset)
        }
    }

    @Test("made one batch at a time or all at once from the readings, the rollups agree", arguments: StoreBackend.available)
    func incrementalEqualsBackfill(backend: StoreBackend) async throws {
        try await withStore(backend) { store in
            let (projectId, homeId, parent, sensor) = try await Self.sensor(in: store)
            let all = readings(projectId: projectId, homeId: homeId, parent: parent, sensor: sensor)
            // In three batches, as the ingest would: append, then merge each batch's rollups.
            for batch in [Array(all[0..<3]), Array(all[3..<6]), Array(all[6...])] {
                try await store.write { tx in
                    let stored = try await tx.readings.append(batch)
                    try await tx.readings.mergeRollups(ReadingRollup.of(stored))
                }
            }
            let incremental = try await Self.allRollups(store, sensor)
            let minute0 = try #require(incremental.first { $0.size == .minute && $0.start == Self.base })
            #expect(minute0.count == 3 && minute0.min == 2 && minute0.max == 14 && minute0.sum == 26, "30 s, 45 s and 50 s")
            let day0 = try #require(incremental.first { $0.size == .day && $0.start == Self.base })
            #expect(day0.count == 7 && day0.min == -3 && day0.max == 52.37, "text is left out, GPS counts its first number")
            #expect(incremental.filter { $0.size == .hour }.count == 4, "hours 0, 1, 23 and 24: hour 2 had only text")

            // The migration's backfill, run again over the same readings, gives the same rollups.
            let backfill = Migration.readingRollups.statements.suffix(3).map { Migrations.render($0, for: store.backend) }
            try await store.withTransaction { db in
                try await db.raw("DELETE FROM reading_rollups").run()
                for statement in backfill { try await db.raw(SQLQueryString(stringLiteral: statement)).run() }
            }
            #expect(try await Self.allRollups(store, sensor) == incremental)

            // A range, newest first, from the bucket its start falls in.
            let hours = try await store.read { tx in
                try await tx.readings.rollups(sensorId: sensor, channel: "1", size: .hour, from: Self.base + 1_800, to: Self.base + 86_400, limit: 10)
            }
            #expect(hours.map(\.start) == [Self.base + 86_400, Self.base + 82_800, Self.base + 3_600, Self.base])
            let raw = try await store.read { tx in try await tx.readings.readings(sensorId: sensor, channel: "1", from: Self.base + 45, to: Self.base + 3_600, before: nil, limit: 3) }
            #expect(raw.map(\.timestamp) == [Self.base + 3_600, Self.base + 3_599, Self.base + 61])
        }
    }

    @Test("a channel's range comes back whole with the sensor and channel it was asked for; on PostgreSQL from the index alone", arguments: StoreBackend.available)
    func channelRange(backend: StoreBackend) async throws {
        try await withStore(backend) { store in
            let (projectId, homeId, parent, sensor) = try await Self.sensor(in: store)
            let stored = try await store.write { tx in
                try await tx.readings.append(readings(projectId: projectId, homeId: homeId, parent: parent, sensor: sensor))
            }
            let oldestFirst = stored.sorted { ($0.timestamp, $0.id) < ($1.timestamp, $1.id) }
            let (page, newest) = try await store.read { tx in
                (try await tx.readings.page(sensorId: sensor, channel: "1", from: .distantPast, to: .distantFuture, after: nil, limit: 100),
                 try await tx.readings.readings(sensorId: sensor, channel: "1", from: .distantPast, to: .distantFuture, before: nil, limit: 100))
            }
            #expect(page == oldestFirst, "every column as stored, the sensor and channel included")
            #expect(newest == oldestFirst.reversed())
            guard backend == .postgres else { return }
            // The columns a range selects are all in `readings_by_channel` (migration 21): with the table's pages marked
            // all-visible and the other plans off, PostgreSQL can read the range without touching the table.
            try await store.withConnection { db in try await db.raw("VACUUM readings").run() }
            let plan = try await store.withTransaction { db in
                try await db.raw("SET LOCAL enable_seqscan = off").run()
                try await db.raw("SET LOCAL enable_bitmapscan = off").run()
                return try await db.raw("""
                    EXPLAIN SELECT \(unsafeRaw: SQLReadingRepository.channelColumns) FROM readings WHERE sensor_id = \(bind: sensor)
                        AND channel = '1' AND timestamp >= now() - interval '10 years' ORDER BY timestamp, id LIMIT 100
                    """).all().map { try $0.decode(column: "QUERY PLAN", as: String.self) }.joined(separator: "\n")
            }
            #expect(plan.contains("Index Only Scan using readings_by_channel"), "\(plan)")
        }
    }

    @Test("retention deletes old readings in batches along the index, minute rollups by bucket, and is set per project", arguments: StoreBackend.available)
    func retention(backend: StoreBackend) async throws {
        try await withStore(backend) { store in
            let (projectId, homeId, parent, sensor) = try await Self.sensor(in: store)
            let all = readings(projectId: projectId, homeId: homeId, parent: parent, sensor: sensor)
            try await store.write { tx in
                let stored = try await tx.readings.append(all)
                try await tx.readings.mergeRollups(ReadingRollup.of(stored))
                try await tx.readings.updateLatest([stored.max { $0.timestamp < $1.timestamp }!])
                try await tx.readings.setRetention(ReadingRetention(projectId: projectId, readingDays: 1, minuteRollupDays: nil))
                try await tx.readings.setRetention(ReadingRetention(projectId: projectId, readingDays: 2, minuteRollupDays: 3))
            }
            let channel = SensorChannel(sensorId: sensor, channel: "1")
            let (retentions, channels) = try await store.read { tx in (try await tx.readings.retentions(), try await tx.readings.channels(projectId: projectId)) }
            #expect(retentions == [ReadingRetention(projectId: projectId, readingDays: 2, minuteRollupDays: 3)], "set again, replaced")
            #expect(channels == [channel])

            // Before base + 3,600 s: the readings at 30, 45, 50, 61 and 3,599 s, two at a time, oldest first.
            var batches: [Int] = []
            while batches.last != 0 {
                batches.append(try await store.write { tx in try await tx.readings.deleteReadings(of: channel, before: Self.base + 3_600, limit: 2) })
            }
            #expect(batches == [2, 2, 1, 0])
            let left = try await store.read { tx in
                try await tx.readings.readings(sensorId: sensor, channel: "1", from: .distantPast, to: .distantFuture, before: nil, limit: 100)
            }
            #expect(left.map(\.timestamp) == [Self.base + 86_400, Self.base + 86_399, Self.base + 7_300, Self.base + 3_600])

            try await store.write { tx in try await tx.readings.deleteRollups(of: channel, size: .minute, before: Self.base + 3_600) }
            let rollups = try await Self.allRollups(store, sensor)
            #expect(rollups.filter { $0.size == .minute }.map(\.start).sorted() == [Self.base + 3_600, Self.base + 86_340, Self.base + 86_400])
            #expect(rollups.filter { $0.size == .hour }.count == 4, "hour rollups untouched")

            try await store.write { tx in try await tx.readings.setRetention(ReadingRetention(projectId: projectId, readingDays: nil, minuteRollupDays: nil)) }
            #expect(try await store.read { tx in try await tx.readings.retentions() }.isEmpty, "keeping everything is no row")
        }
    }

    /// A project, an account, a thing and its channel sensor: their ids.
    static func sensor(in store: SQLStore) async throws -> (projectId: Int, homeId: Int, parent: Int, sensor: Int) {
        try await store.write { tx in
            let project = try await tx.projects.insert(name: "p", accountMode: .email, provisioning: .claim, at: base)
            let home = try await tx.homes.insert(projectId: project.id, name: "account", at: base)
            let parent = try await tx.devices.insert(thing(project.id, home.id, parent: nil))
            let sensor = try await tx.devices.insert(thing(project.id, home.id, parent: parent.id))
            return (project.id, home.id, parent.id, sensor.id)
        }
    }

    static func allRollups(_ store: SQLStore, _ sensor: Int) async throws -> Set<ReadingRollup> {
        try await store.read { tx in
            var all: Set<ReadingRollup> = []
            for size in RollupSize.allCases {
                all.formUnion(try await tx.readings.rollups(sensorId: sensor, channel: "1", size: size, from: base - 86_400, to: base + 3 * 86_400, limit: 1_000))
            }
            return all
        }
    }

    static func thing(_ projectId: Int, _ homeId: Int, parent: Int?) -> Device {
        Device(
            id: 0, uuid: UUID(), projectId: projectId, deviceClass: ThingType.genericDeviceId.lowercaseString, name: "thing", tag: "",
            homeId: homeId, apiKeyHash: Secrets.hash(UUID().uuidString), claimCodeHash: nil, claimTime: base, claimExpirationTime: nil,
            isConnected: false, lastConnectTime: nil, lastDisconnectTime: nil, creationTime: base, parentId: parent, channel: parent == nil ? nil : "1",
            hardwareId: nil, status: .activated, properties: [:], updateTime: base)
    }
}

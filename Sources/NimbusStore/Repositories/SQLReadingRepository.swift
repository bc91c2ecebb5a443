import Foundation
import NimbusCore
import SQLKit

struct SQLReadingRepository: ReadingRepository {
    let db: any SQLDatabase

    func append(_ readings: [Reading]) async throws -> [Reading] {
        guard !readings.isEmpty else { return [] }
        let insert = SQLRowsInsert(
            "INSERT INTO readings (project_id, home_id, device_id, sensor_id, channel, value, value_json, type, unit, timestamp) VALUES ",
            columns: 10, readings, tail: " RETURNING id"
        ) { reading in
            [.int(reading.projectId), .int(reading.homeId), .int(reading.deviceId), .int(reading.sensorId), .text(reading.channel),
             .double(reading.value.primary), .text(reading.value.jsonValue.jsonText), .text(reading.type), .text(reading.unit),
             .date(reading.timestamp)]
        }
        let ids: [Int] = try await db.rows(of: insert).map { try $0.column("id") }.sorted()
        guard ids.count == readings.count else { throw StoreError.unexpectedRow("reading ids") }
        return zip(ids, readings).map { id, reading in
            var stored = reading
            stored.id = id
            return stored
        }
    }

    func recent(deviceId: Int, sensorId: Int?, limit: Int) async throws -> [Reading] {
        let rows =
            if let sensorId {
                try await db.raw("SELECT * FROM readings WHERE sensor_id = \(bind: sensorId) ORDER BY id DESC LIMIT \(bind: limit)").all()
            } else {
                try await db.raw("SELECT * FROM readings WHERE device_id = \(bind: deviceId) ORDER BY id DESC LIMIT \(bind: limit)").all()
            }
        return try rows.map(Self.reading)
    }

    func updateLatest(_ readings: [Reading]) async throws {
        guard !readings.isEmpty else { return }
        // One multi-row upsert (SQLite 3.24+ and PostgreSQL agree on the syntax); a sensor channel appears once in it.
        let insert = SQLRowsInsert(
            "INSERT INTO latest_readings (sensor_id, reading_id, project_id, home_id, device_id, channel, value, value_json, type, unit, timestamp) VALUES ",
            columns: 11, readings, tail: Self.replacingOlderLatest
        ) { reading in
            [.int(reading.sensorId), .int(reading.id), .int(reading.projectId), .int(reading.homeId), .int(reading.deviceId),
             .text(reading.channel), .double(reading.value.primary), .text(reading.value.jsonValue.jsonText), .text(reading.type),
             .text(reading.unit), .date(reading.timestamp)]
        }
        _ = try await db.rows(of: insert)
    }

    /// A channel's latest value is replaced by a newer one only.
    static let replacingOlderLatest = """
         ON CONFLICT (sensor_id, channel) DO UPDATE SET reading_id = excluded.reading_id, device_id = excluded.device_id,
            value = excluded.value, value_json = excluded.value_json, type = excluded.type,
            unit = excluded.unit, timestamp = excluded.timestamp
        WHERE excluded.timestamp >= latest_readings.timestamp
        """

    func latest(sensorIds: [Int]) async throws -> [Reading] {
        guard !sensorIds.isEmpty else { return [] }
        return try await db.raw("""
            SELECT reading_id AS id, project_id, home_id, device_id, sensor_id, channel, value, value_json, type, unit, timestamp
            FROM latest_readings WHERE sensor_id IN (\(binds: sensorIds))
            """).all().map(Self.reading)
    }

    func latest(homeId: Int) async throws -> [Reading] {
        // Joined on the device's home now, not the home the readings were taken in: a device that left the home
        // takes its series with it.
        try await db.raw("""
            SELECT l.reading_id AS id, l.project_id, l.home_id, l.device_id, l.sensor_id, l.channel, l.value, l.value_json, l.type, l.unit, l.timestamp
            FROM latest_readings l JOIN devices d ON d.id = l.sensor_id WHERE d.home_id = \(bind: homeId)
            """).all().map(Self.reading)
    }

    func mergeRollups(_ rollups: [ReadingRollup]) async throws {
        guard !rollups.isEmpty else { return }
        if db is PostgresSQLConnection { return try await db.raw(Self.mergeRollupArrays(rollups)).run() }
        let insert = SQLRowsInsert(
            "INSERT INTO reading_rollups (sensor_id, channel, size, bucket_start, value_count, value_min, value_max, value_sum) VALUES ",
            columns: 8, rollups, tail: Self.mergingRollups
        ) { rollup in
            [.int(rollup.sensorId), .text(rollup.channel), .text(rollup.size.rawValue), .date(rollup.start), .int(rollup.count),
             .double(rollup.min), .double(rollup.max), .double(rollup.sum)]
        }
        _ = try await db.rows(of: insert)
    }

    /// What a rollup already stored becomes when more of its bucket arrives. CASE rather than MIN/MAX or
    /// LEAST/GREATEST: the two databases name the two-argument forms differently.
    static let mergingRollups = """
         ON CONFLICT (sensor_id, channel, size, bucket_start) DO UPDATE SET
            value_count = reading_rollups.value_count + excluded.value_count,
            value_min = CASE WHEN excluded.value_min < reading_rollups.value_min THEN excluded.value_min ELSE reading_rollups.value_min END,
            value_max = CASE WHEN excluded.value_max > reading_rollups.value_max THEN excluded.value_max ELSE reading_rollups.value_max END,
            value_sum = reading_rollups.value_sum + excluded.value_sum
        """

    func rollups(sensorId: Int, channel: String, size: RollupSize, from: Date, to: Date, limit: Int) async throws -> [ReadingRollup] {
        try await db.raw("""
            SELECT * FROM reading_rollups WHERE sensor_id = \(bind: sensorId) AND channel = \(bind: channel) AND size = \(bind: size.rawValue)
                AND bucket_start >= \(bind: size.start(of: from)) AND bucket_start <= \(bind: to)
            ORDER BY bucket_start DESC LIMIT \(bind: limit)
            """).all().map { row in
            ReadingRollup(
                sensorId: try row.column("sensor_id"), channel: channel, size: size, start: try row.column("bucket_start"), count: try row.column("value_count"),
                min: try row.column("value_min"), max: try row.column("value_max"), sum: try row.column("value_sum"))
        }
    }

    func readings(sensorId: Int, channel: String, from: Date, to: Date, before: ReadingPosition?, limit: Int) async throws -> [Reading] {
        // The cursor's time bounds the range too, so that the index walk starts there (the OR below only filters).
        var query = Self.range(sensorId: sensorId, channel: channel, from: from, to: min(to, before?.timestamp ?? to))
        if let before {
            query = query + " AND (timestamp < \(bind: before.timestamp) OR (timestamp = \(bind: before.timestamp) AND id < \(bind: before.id)))"
        }
        return try await readings(query + " ORDER BY timestamp DESC, id DESC LIMIT \(bind: limit)", sensorId: sensorId, channel: channel)
    }

    func page(sensorId: Int, channel: String, from: Date, to: Date, after: ReadingPosition?, limit: Int) async throws -> [Reading] {
        var query = Self.range(sensorId: sensorId, channel: channel, from: max(from, after?.timestamp ?? from), to: to)
        if let after {
            query = query + " AND (timestamp > \(bind: after.timestamp) OR (timestamp = \(bind: after.timestamp) AND id > \(bind: after.id)))"
        }
        return try await readings(query + " ORDER BY timestamp, id LIMIT \(bind: limit)", sensorId: sensorId, channel: channel)
    }

    /// The columns of a channel's reading, in the order `SQLReadingRepository+Postgres` decodes them: its sensor and
    /// channel are the query's own, and a plain number's JSON is left out (`value` has it), so that reads of
    /// thousands and millions of rows make two cells and a string fewer a row.
    static let channelColumns = "id, project_id, home_id, device_id, value, \(jsonUnlessPlainNumber) AS value_json, type, unit, timestamp"

    /// `value_json`, or NULL where `value(json:number:)` would take `value` instead: the same test in SQL (both stores).
    private static let jsonUnlessPlainNumber = """
        CASE WHEN value IS NOT NULL AND substr(value_json, 1, 1) NOT IN ('[', '"') THEN NULL ELSE value_json END
        """

    /// The readings of one sensor channel a query selects (`channelColumns`); on PostgreSQL decoded by position, for
    /// the longest reads there are.
    private func readings(_ query: SQLQueryString, sensorId: Int, channel: String) async throws -> [Reading] {
        if let postgres = db as? PostgresSQLConnection,
           let readings = try await Self.readings(query, sensorId: sensorId, channel: channel, on: postgres) {
            return readings
        }
        return try await db.raw(query).all().map { row in try Self.reading(row, sensorId: sensorId, channel: channel) }
    }

    /// A sensor channel's readings over a range, along the `(sensor_id, channel, timestamp)` index.
    private static func range(sensorId: Int, channel: String, from: Date, to: Date) -> SQLQueryString {
        """
        SELECT \(unsafeRaw: channelColumns) FROM readings WHERE sensor_id = \(bind: sensorId) AND channel = \(bind: channel)
            AND timestamp >= \(bind: from) AND timestamp <= \(bind: to)
        """
    }

    func channels(sensorIds: [Int]) async throws -> [SensorChannel] {
        guard !sensorIds.isEmpty else { return [] }
        return try await db.raw("""
            SELECT sensor_id, channel FROM latest_readings WHERE sensor_id IN (\(binds: sensorIds)) ORDER BY sensor_id, channel
            """).all().map(Self.sensorChannel)
    }

    func setRetention(_ retention: ReadingRetention) async throws {
        guard retention.readingDays != nil || retention.minuteRollupDays != nil else {
            try await db.raw("DELETE FROM reading_retention WHERE project_id = \(bind: retention.projectId)").run()
            return
        }
        try await db.raw("""
            INSERT INTO reading_retention (project_id, reading_days, minute_rollup_days)
            VALUES (\(bind: retention.projectId), \(bind: retention.readingDays), \(bind: retention.minuteRollupDays))
            ON CONFLICT (project_id) DO UPDATE SET reading_days = excluded.reading_days, minute_rollup_days = excluded.minute_rollup_days
            """).run()
    }

    func retentions() async throws -> [ReadingRetention] {
        try await db.raw("SELECT * FROM reading_retention ORDER BY project_id").all().map { row in
            ReadingRetention(
                projectId: try row.column("project_id"), readingDays: try row.column("reading_days"),
                minuteRollupDays: try row.column("minute_rollup_days"))
        }
    }

    func channels(projectId: Int) async throws -> [SensorChannel] {
        try await db.raw("""
            SELECT sensor_id, channel FROM latest_readings WHERE project_id = \(bind: projectId) ORDER BY sensor_id, channel
            """).all().map(Self.sensorChannel)
    }

    private static func sensorChannel(_ row: any SQLRow) throws -> SensorChannel {
        SensorChannel(sensorId: try row.column("sensor_id"), channel: try row.column("channel"))
    }

    func deleteReadings(of channel: SensorChannel, before: Date, limit: Int) async throws -> Int {
        // Along the (sensor_id, channel, timestamp) index, a bounded batch per statement: the write lock is held briefly.
        try await db.raw("""
            DELETE FROM readings WHERE id IN (
                SELECT id FROM readings WHERE sensor_id = \(bind: channel.sensorId) AND channel = \(bind: channel.channel)
                    AND timestamp < \(bind: before) ORDER BY timestamp LIMIT \(bind: limit))
            RETURNING id
            """).all().count
    }

    func deleteRollups(of channel: SensorChannel, size: RollupSize, before: Date) async throws {
        try await db.raw("""
            DELETE FROM reading_rollups WHERE sensor_id = \(bind: channel.sensorId) AND channel = \(bind: channel.channel)
                AND size = \(bind: size.rawValue) AND bucket_start < \(bind: before)
            """).run()
    }

    static func reading(_ row: any SQLRow) throws -> Reading {
        try reading(row, sensorId: try row.column("sensor_id"), channel: try row.column("channel"))
    }

    /// A reading of a sensor channel known beforehand, from a row that may leave out `sensor_id` and `channel`.
    static func reading(_ row: any SQLRow, sensorId: Int, channel: String) throws -> Reading {
        let value = try Self.value(row)
        return Reading(
            id: try row.column("id"), projectId: try row.column("project_id"), homeId: try row.column("home_id"),
            deviceId: try row.column("device_id"), sensorId: sensorId, channel: channel,
            value: value, type: try row.column("type"), unit: try row.column("unit"), timestamp: try row.column("timestamp"))
    }

    /// A reading's value: a plain number from its `value` column (most readings: no JSON to parse on a long read),
    /// anything else (several numbers, text) from its JSON.
    private static func value(_ row: any SQLRow) throws -> ReadingValue {
        try value(json: try row.column("value_json") as String?, number: try row.column("value"))
    }

    private static func isPlainNumber(_ json: String) -> Bool {
        guard let first = json.utf8.first else { return false }
        return first != UInt8(ascii: "[") && first != UInt8(ascii: "\"")
    }

    /// A reading's value from its columns: `number` for a plain number, else its JSON (`nil` where the query left out a
    /// plain number's, `jsonUnlessPlainNumber`).
    static func value(json: String?, number: Double?) throws -> ReadingValue {
        if let number, json.map(isPlainNumber) ?? true { return .number(number) }
        guard let json, let parsed = JSONValue(jsonText: json), let value = ReadingValue(jsonValue: parsed) else { throw StoreError.unexpectedRow("reading value") }
        return value
    }
}

import Foundation
import NIOConcurrencyHelpers
import NimbusCore
import PostgresNIO
import SQLKit

extension SQLReadingRepository {
    /// The readings of one sensor channel a query selects (`channelColumns`), decoded by position as PostgresNIO hands
    /// each row over (`PostgresCellReader`): a busy channel's day is thousands of rows, an export a million, and
    /// decoding each column by name through `SQLRow` cost more than PostgreSQL took to find them. `nil` when the
    /// query cannot run this way.
    static func readings(_ query: SQLQueryString, sensorId: Int, channel: String, on postgres: PostgresSQLConnection) async throws -> [Reading]? {
        let collected = NIOLockedValueBox<[Reading]>([])
        let ran = try await postgres.run(query) { row in
            var cells = PostgresCellReader(row)
            let (id, projectId, homeId, deviceId) = (try cells.int(), try cells.int(), try cells.optionalInt(), try cells.int())
            let (number, json, type, unit, timestamp) = (
                try cells.optionalDouble(), try cells.optionalString(), try cells.optionalString(), try cells.optionalString(), try cells.date())
            let reading = Reading(
                id: id, projectId: projectId, homeId: homeId, deviceId: deviceId, sensorId: sensorId, channel: channel,
                value: try value(json: json, number: number), type: type, unit: unit, timestamp: timestamp)
            collected.withLockedValue { $0.append(reading) }
        }
        return ran ? collected.withLockedValue { $0 } : nil
    }

    /// The merge of `rollups` on PostgreSQL: one array per column, whatever their number. The same rows written as a
    /// multi-row VALUES (SQLite's way) are a statement PostgreSQL parses and plans anew for each batch, eight binds a
    /// rollup, three rollups a reading.
    static func mergeRollupArrays(_ rollups: [ReadingRollup]) -> SQLQueryString {
        """
        INSERT INTO reading_rollups (sensor_id, channel, size, bucket_start, value_count, value_min, value_max, value_sum)
        SELECT * FROM unnest(\(bind: rollups.map(\.sensorId)), \(bind: rollups.map(\.channel)), \(bind: rollups.map(\.size.rawValue)),
            \(bind: rollups.map(\.start)), \(bind: rollups.map(\.count)), \(bind: rollups.map(\.min)), \(bind: rollups.map(\.max)),
            \(bind: rollups.map(\.sum)))
        """ + SQLQueryString(mergingRollups)
    }
}

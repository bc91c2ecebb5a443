import Foundation
import NIOCore
import NimbusMQTT
import SQLKit

/// The broker's retained messages in the `mqtt_retained` table: written through before a retained PUBLISH is
/// acknowledged, read once at start-up.
extension SQLStore: MQTTRetainedStore {
    public func retainedMessages() async throws -> [MQTTMessage] {
        try await executor.withConnection { db in
            try await db.raw("SELECT message FROM mqtt_retained ORDER BY topic").all().map { row in
                try MQTTMessage(archived: Array(try row.decode(column: "message", as: Data.self)))
            }
        }
    }

    public func retain(_ message: MQTTMessage) async throws {
        let archived = message.payload.readableBytes == 0 ? nil : Data(try message.archived())
        try await executor.withTransaction { db in
            if let archived {
                try await db.raw("""
                    INSERT INTO mqtt_retained (topic, message) VALUES (\(bind: message.topic), \(bind: archived))
                    ON CONFLICT (topic) DO UPDATE SET message = excluded.message
                    """).run()
            } else {
                try await db.raw("DELETE FROM mqtt_retained WHERE topic = \(bind: message.topic)").run()
            }
        }
    }
}

import Foundation
import NIOCore
import NimbusMQTT
import NimbusStore
import SQLKit

/// The broker's retained messages in the `mqtt_retained` table: written through before a retained PUBLISH is
/// acknowledged, read once at start-up.
extension SQLMQTTStore: MQTTRetainedStore {
    public func retainedMessages() async throws -> [MQTTRetainedRecord] {
        try await store.withConnection { db in
            try await db.raw("SELECT message, mount_point, owner FROM mqtt_retained ORDER BY topic").all().map { row in
                MQTTRetainedRecord(
                    message: try MQTTMessage(archived: Array(try row.decode(column: "message", as: Data.self))),
                    mountPoint: try row.column("mount_point"), owner: try row.column("owner"))
            }
        }
    }

    public func retain(_ record: MQTTRetainedRecord) async throws {
        let message = record.message
        let archived = message.payload.readableBytes == 0 ? nil : Data(try message.archived())
        try await store.withTransaction { db in
            if let archived {
                try await db.raw("""
                    INSERT INTO mqtt_retained (topic, message, mount_point, owner)
                    VALUES (\(bind: message.topic), \(bind: archived), \(bind: record.mountPoint), \(bind: record.owner))
                    ON CONFLICT (topic) DO UPDATE SET message = excluded.message, mount_point = excluded.mount_point,
                        owner = excluded.owner
                    """).run()
            } else {
                try await db.raw("DELETE FROM mqtt_retained WHERE topic = \(bind: message.topic)").run()
            }
        }
    }
}

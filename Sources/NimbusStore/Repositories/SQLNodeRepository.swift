import Foundation
import NimbusCore
import SQLKit

struct SQLNodeRepository: NodeRepository {
    let db: any SQLDatabase

    func heartbeat(node: String, at time: Date) async throws {
        try await db.raw("""
            INSERT INTO nodes (id, seen_at) VALUES (\(bind: node), \(bind: time))
            ON CONFLICT (id) DO UPDATE SET seen_at = excluded.seen_at
            """).run()
    }

    func setConnection(deviceId: Int, node: String, open: Bool) async throws {
        if open {
            try await db.raw("""
                INSERT INTO device_connections (device_id, node_id) VALUES (\(bind: deviceId), \(bind: node)) ON CONFLICT DO NOTHING
                """).run()
        } else {
            try await db.raw("DELETE FROM device_connections WHERE device_id = \(bind: deviceId) AND node_id = \(bind: node)").run()
        }
    }

    func isConnectedAnywhere(deviceId: Int) async throws -> Bool {
        try await db.raw("SELECT 1 AS held FROM device_connections WHERE device_id = \(bind: deviceId) LIMIT 1").first() != nil
    }

    func removeNodes(seenBefore cutoff: Date, except node: String) async throws {
        try await db.raw("DELETE FROM nodes WHERE seen_at < \(bind: cutoff) AND id <> \(bind: node)").run()
        try await db.raw("""
            DELETE FROM device_connections WHERE node_id <> \(bind: node) AND node_id NOT IN (SELECT id FROM nodes)
            """).run()
    }

    func connectedWithoutConnection() async throws -> [Int] {
        try await db.raw("""
            SELECT id FROM devices WHERE is_connected = \(bind: true)
                AND NOT EXISTS (SELECT 1 FROM device_connections c WHERE c.device_id = devices.id)
            """).all().map { try $0.column("id") }
    }
}

import Foundation
import NimbusMQTT
import NimbusStore
import SQLKit

/// The wills of the MQTT connections open on each server sharing the database (`mqtt_wills`, migration 25), so that
/// the others publish those of a server that died (`MQTTClusterRelay`). A row belongs to one connection of one server:
/// a reconnect elsewhere replaces it, and only the connection that wrote it deletes it.
extension SQLMQTTStore {
    public func holdWill(_ will: MQTTMessage, of key: MQTTSessionKey, node: String, connection: Int) async throws {
        let message = Data(try will.archived())
        try await store.withConnection { db in
            try await db.raw("""
                INSERT INTO mqtt_wills (mount_point, owner, client_id, node_id, connection_id, message)
                VALUES (\(bind: key.mountPoint), \(bind: key.owner), \(bind: key.clientIdentifier), \(bind: node), \(bind: connection), \(bind: message))
                ON CONFLICT (mount_point, owner, client_id) DO UPDATE SET
                    node_id = excluded.node_id, connection_id = excluded.connection_id, message = excluded.message
                """).run()
        }
    }

    public func dropWill(of key: MQTTSessionKey, node: String, connection: Int) async throws {
        try await store.withConnection { db in
            try await db.raw("""
                DELETE FROM mqtt_wills WHERE mount_point = \(bind: key.mountPoint) AND owner = \(bind: key.owner)
                    AND client_id = \(bind: key.clientIdentifier) AND node_id = \(bind: node) AND connection_id = \(bind: connection)
                """).run()
        }
    }

    /// Takes the wills of servers no longer among the living (`nodes`): each is returned to one caller only.
    public func takeWillsOfGoneServers() async throws -> [(key: MQTTSessionKey, will: MQTTMessage)] {
        try await store.withConnection { db in
            try await db.raw("""
                DELETE FROM mqtt_wills WHERE node_id NOT IN (SELECT id FROM nodes)
                RETURNING mount_point, owner, client_id, message
                """).all().compactMap { row in
                let key = MQTTSessionKey(
                    mountPoint: try row.column("mount_point"), owner: try row.column("owner"), clientIdentifier: try row.column("client_id"))
                return (key, try MQTTMessage(archived: Array(try row.decode(column: "message", as: Data.self))))
            }
        }
    }
}

import Foundation
import NimbusCore
import SQLKit

struct SQLAccountMQTTClientRepository: AccountMQTTClientRepository {
    let db: any SQLDatabase

    func insert(_ client: AccountMQTTClient) async throws {
        try await db.raw("""
            INSERT INTO mqtt_clients (id, project_id, home_id, secret_hash, sealed_secret, creation_time, rotation_time)
            VALUES (\(bind: client.id.lowercaseString), \(bind: client.projectId), \(bind: client.homeId), \(bind: client.secretHash),
                \(bind: client.sealedSecret), \(bind: client.creationTime), \(bind: client.rotationTime))
            """).run()
    }

    func get(id: UUID) async throws -> AccountMQTTClient? {
        try await db.raw("SELECT * FROM mqtt_clients WHERE id = \(bind: id.lowercaseString)").first().map(Self.client)
    }

    func find(homeId: Int) async throws -> AccountMQTTClient? {
        try await db.raw("SELECT * FROM mqtt_clients WHERE home_id = \(bind: homeId)").first().map(Self.client)
    }

    func update(_ client: AccountMQTTClient) async throws {
        try await db.raw("""
            UPDATE mqtt_clients SET secret_hash = \(bind: client.secretHash), sealed_secret = \(bind: client.sealedSecret),
                rotation_time = \(bind: client.rotationTime)
            WHERE id = \(bind: client.id.lowercaseString)
            """).run()
    }

    static func client(_ row: any SQLRow) throws -> AccountMQTTClient {
        guard let id = UUID(uuidString: try row.column("id")) else { throw StoreError.unexpectedRow("mqtt client id") }
        return AccountMQTTClient(
            id: id, projectId: try row.column("project_id"), homeId: try row.column("home_id"), secretHash: try row.column("secret_hash"),
            sealedSecret: try row.column("sealed_secret"), creationTime: try row.column("creation_time"),
            rotationTime: try row.column("rotation_time"))
    }
}

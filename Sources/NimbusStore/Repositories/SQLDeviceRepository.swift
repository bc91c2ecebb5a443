import Foundation
import NimbusCore
import SQLKit

struct SQLDeviceRepository: DeviceRepository {
    let db: any SQLDatabase

    func insert(_ device: Device) async throws -> Device {
        var stored = device
        stored.id = try await db.insertReturningId("""
            INSERT INTO devices (uuid, project_id, device_class, name, tag, home_id, api_key_hash, claim_code_hash, claim_time,
                claim_expiration_time, is_connected, last_connect_time, last_disconnect_time, creation_time, parent_id, channel,
                hardware_id, status, properties, last_online, update_time, deactivation_time)
            VALUES (\(bind: device.uuid), \(bind: device.projectId), \(bind: device.deviceClass), \(bind: device.name), \(bind: device.tag),
                \(bind: device.homeId), \(bind: device.apiKeyHash), \(bind: device.claimCodeHash), \(bind: device.claimTime),
                \(bind: device.claimExpirationTime), \(bind: device.isConnected), \(bind: device.lastConnectTime),
                \(bind: device.lastDisconnectTime), \(bind: device.creationTime), \(bind: device.parentId), \(bind: device.channel),
                \(bind: device.hardwareId), \(bind: device.status.rawValue), \(bind: JSONValue.object(device.properties).jsonText),
                \(bind: device.lastOnline), \(bind: device.updateTime), \(bind: device.deactivationTime))
            """)
        return stored
    }

    func get(id: Int) async throws -> Device? {
        try await db.raw("SELECT * FROM devices WHERE id = \(bind: id)").first().map(Self.device)
    }

    func get(ids: [Int]) async throws -> [Device] {
        // `IN ()` is an error on PostgreSQL (SQLite takes it).
        guard !ids.isEmpty else { return [] }
        return try await db.raw("SELECT * FROM devices WHERE id IN (\(binds: ids))").all().map(Self.device)
    }

    func eventOrigins(ids: [Int]) async throws -> [EventOrigin] {
        try await db.raw("SELECT id, project_id, home_id, device_class FROM devices WHERE id IN (\(binds: ids))").all().map { row in
            EventOrigin(
                deviceId: try row.column("id"), projectId: try row.column("project_id"), homeId: try row.column("home_id"),
                deviceClass: try row.column("device_class"))
        }
    }

    func find(uuid: UUID) async throws -> Device? {
        try await db.raw("SELECT * FROM devices WHERE uuid = \(bind: uuid)").first().map(Self.device)
    }

    func find(uuids: [UUID]) async throws -> [Device] {
        guard !uuids.isEmpty else { return [] }
        return try await db.raw("SELECT * FROM devices WHERE uuid IN (\(binds: uuids))").all().map(Self.device)
    }

    func find(apiKeyHash: String) async throws -> Device? {
        try await db.raw("SELECT * FROM devices WHERE api_key_hash = \(bind: apiKeyHash)").first().map(Self.device)
    }

    func find(projectId: Int, claimCodeHash: String) async throws -> Device? {
        try await db.raw("SELECT * FROM devices WHERE project_id = \(bind: projectId) AND claim_code_hash = \(bind: claimCodeHash)").first().map(Self.device)
    }

    func update(_ device: Device) async throws {
        try await db.raw("""
            UPDATE devices SET name = \(bind: device.name), tag = \(bind: device.tag), home_id = \(bind: device.homeId),
                claim_time = \(bind: device.claimTime), claim_expiration_time = \(bind: device.claimExpirationTime),
                device_class = \(bind: device.deviceClass), parent_id = \(bind: device.parentId), channel = \(bind: device.channel),
                hardware_id = \(bind: device.hardwareId), status = \(bind: device.status.rawValue),
                properties = \(bind: JSONValue.object(device.properties).jsonText), update_time = \(bind: device.updateTime),
                deactivation_time = \(bind: device.deactivationTime)
            WHERE id = \(bind: device.id)
            """).run()
    }

    func delete(id: Int) async throws {
        try await db.raw("DELETE FROM key_values WHERE scope = 'device' AND owner_id = \(bind: id)").run()
        try await db.raw("DELETE FROM devices WHERE id = \(bind: id)").run()
    }

    func list(projectId: Int, homeId: Int?, page: PageRequest) async throws -> Page<Device> {
        if let homeId {
            return try await db.page(
                "SELECT * FROM devices WHERE project_id = \(bind: projectId) AND home_id = \(bind: homeId) AND parent_id IS NULL ORDER BY id",
                count: "SELECT COUNT(*) AS n FROM devices WHERE project_id = \(bind: projectId) AND home_id = \(bind: homeId) AND parent_id IS NULL",
                page: page, map: Self.device)
        }
        return try await db.page(
            "SELECT * FROM devices WHERE project_id = \(bind: projectId) AND parent_id IS NULL ORDER BY id",
            count: "SELECT COUNT(*) AS n FROM devices WHERE project_id = \(bind: projectId) AND parent_id IS NULL", page: page, map: Self.device)
    }

    func count(homeId: Int) async throws -> Int {
        try await db.raw("SELECT COUNT(*) AS n FROM devices WHERE home_id = \(bind: homeId)").first()?.column("n") ?? 0
    }

    func children(of parentIds: [Int]) async throws -> [Device] {
        guard !parentIds.isEmpty else { return [] }
        return try await db.raw("SELECT * FROM devices WHERE parent_id IN (\(binds: parentIds)) ORDER BY id").all().map(Self.device)
    }

    func child(of parentId: Int, channel: String) async throws -> Device? {
        try await db.raw("SELECT * FROM devices WHERE parent_id = \(bind: parentId) AND channel = \(bind: channel) ORDER BY id LIMIT 1")
            .first().map(Self.device)
    }

    func find(homeId: Int, hardwareId: String) async throws -> Device? {
        try await db.raw("SELECT * FROM devices WHERE home_id = \(bind: homeId) AND hardware_id = \(bind: hardwareId) ORDER BY id DESC LIMIT 1")
            .first().map(Self.device)
    }

    func setLastOnline(ids: [Int], at time: Date) async throws {
        guard !ids.isEmpty else { return }
        try await db.raw("UPDATE devices SET last_online = \(bind: time) WHERE id IN (\(binds: ids))").run()
    }

    func setConnected(id: Int, connected: Bool, at time: Date) async throws {
        if connected {
            try await db.raw("UPDATE devices SET is_connected = \(bind: true), last_connect_time = \(bind: time) WHERE id = \(bind: id)").run()
        } else {
            try await db.raw("UPDATE devices SET is_connected = \(bind: false), last_disconnect_time = \(bind: time) WHERE id = \(bind: id)").run()
        }
    }

    func insertProvisioningToken(_ token: ProvisioningToken) async throws {
        try await db.raw("""
            INSERT INTO provisioning_tokens (project_id, home_id, device_class, device_tag, token_hash, expiration_time, used)
            VALUES (\(bind: token.projectId), \(bind: token.homeId), \(bind: token.deviceClass), \(bind: token.deviceTag),
                \(bind: token.tokenHash), \(bind: token.expirationTime), \(bind: false))
            """).run()
    }

    func provisioningToken(hash: String) async throws -> ProvisioningToken? {
        try await db.raw("SELECT * FROM provisioning_tokens WHERE token_hash = \(bind: hash)").first().map { row in
            ProvisioningToken(
                id: try row.column("id"), projectId: try row.column("project_id"), homeId: try row.column("home_id"),
                deviceClass: try row.column("device_class"), deviceTag: try row.column("device_tag"), tokenHash: try row.column("token_hash"),
                expirationTime: try row.column("expiration_time"), used: try row.column("used"))
        }
    }

    func markProvisioningTokenUsed(id: Int) async throws {
        try await db.raw("UPDATE provisioning_tokens SET used = \(bind: true) WHERE id = \(bind: id)").run()
    }

    static func device(_ row: any SQLRow) throws -> Device {
        Device(
            id: try row.column("id"), uuid: try row.column("uuid"), projectId: try row.column("project_id"),
            deviceClass: try row.column("device_class"), name: try row.column("name"), tag: try row.column("tag"),
            homeId: try row.column("home_id"), apiKeyHash: try row.column("api_key_hash"), claimCodeHash: try row.column("claim_code_hash"),
            claimTime: try row.column("claim_time"), claimExpirationTime: try row.column("claim_expiration_time"),
            isConnected: try row.column("is_connected"), lastConnectTime: try row.column("last_connect_time"),
            lastDisconnectTime: try row.column("last_disconnect_time"), creationTime: try row.column("creation_time"),
            parentId: try row.column("parent_id"), channel: try row.column("channel"), hardwareId: try row.column("hardware_id"),
            status: Device.Status(rawValue: try row.column("status")) ?? .deactivated, properties: try row.json("properties").objectValue ?? [:],
            lastOnline: try row.column("last_online"), updateTime: try row.column("update_time"),
            deactivationTime: try row.column("deactivation_time"))
    }
}

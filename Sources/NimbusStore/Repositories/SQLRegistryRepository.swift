import Foundation
import NimbusCore
import SQLKit

struct SQLRegistryRepository: RegistryRepository {
    let db: any SQLDatabase

    func insert(_ entries: [RegistryEntry]) async throws {
        // One statement per entry: batches are at most 500, made by a developer, not on a hot path.
        for entry in entries {
            try await db.raw("""
                INSERT INTO thing_registry (id, project_id, home_id, hardware_id, device_type_id, codec, application_id, status, thing_id,
                    creation_time, pair_time)
                VALUES (\(bind: entry.id.lowercaseString), \(bind: entry.projectId), \(bind: entry.homeId), \(bind: entry.hardwareId),
                    \(bind: entry.typeId.lowercaseString), \(bind: entry.codec), \(bind: entry.applicationId), \(bind: entry.status.rawValue),
                    \(bind: entry.thingId), \(bind: entry.creationTime), \(bind: entry.pairTime))
                """).run()
        }
    }

    func get(id: UUID, projectId: Int) async throws -> RegistryEntry? {
        try await db.raw("SELECT * FROM thing_registry WHERE id = \(bind: id.lowercaseString) AND project_id = \(bind: projectId)")
            .first().map(Self.entry)
    }

    func find(projectId: Int, hardwareId: String) async throws -> RegistryEntry? {
        try await db.raw("SELECT * FROM thing_registry WHERE project_id = \(bind: projectId) AND hardware_id = \(bind: hardwareId)")
            .first().map(Self.entry)
    }

    func existing(projectId: Int, hardwareIds: [String]) async throws -> [String] {
        guard !hardwareIds.isEmpty else { return [] }
        return try await db.raw("""
            SELECT hardware_id FROM thing_registry WHERE project_id = \(bind: projectId) AND hardware_id IN (\(binds: hardwareIds))
            """).all().map { try $0.column("hardware_id") }
    }

    func count(homeId: Int) async throws -> Int {
        try await db.raw("SELECT COUNT(*) AS n FROM thing_registry WHERE home_id = \(bind: homeId)").first()?.column("n") ?? 0
    }

    func update(_ entry: RegistryEntry) async throws {
        try await db.raw("""
            UPDATE thing_registry SET status = \(bind: entry.status.rawValue), thing_id = \(bind: entry.thingId),
                pair_time = \(bind: entry.pairTime)
            WHERE id = \(bind: entry.id.lowercaseString)
            """).run()
    }

    func delete(id: UUID) async throws {
        try await db.raw("DELETE FROM thing_registry WHERE id = \(bind: id.lowercaseString)").run()
    }

    static func entry(_ row: any SQLRow) throws -> RegistryEntry {
        guard let id = UUID(uuidString: try row.column("id")), let typeId = UUID(uuidString: try row.column("device_type_id")) else {
            throw StoreError.unexpectedRow("registry ids")
        }
        return RegistryEntry(
            id: id, projectId: try row.column("project_id"), homeId: try row.column("home_id"), hardwareId: try row.column("hardware_id"), typeId: typeId,
            codec: try row.column("codec"), applicationId: try row.column("application_id"),
            status: RegistryEntry.Status(rawValue: try row.column("status")) ?? .paired, thingId: try row.column("thing_id"),
            creationTime: try row.column("creation_time"), pairTime: try row.column("pair_time"))
    }
}

import Foundation
import NimbusCore
import SQLKit

struct SQLSmartModuleRepository: SmartModuleRepository {
    let db: any SQLDatabase

    func insert(_ module: SmartModule) async throws {
        let events = JSONValue.array(module.subscribedEvents.map(JSONValue.string)).jsonText
        try await db.raw("""
            INSERT INTO smart_modules (project_id, id, module_type, description, suspended, subscribed_events, config_data, creation_time)
            VALUES (\(bind: module.projectId), \(bind: module.id), \(bind: module.moduleType), \(bind: module.description),
                \(bind: module.suspended), \(bind: events), \(bind: JSONValue.object(module.configData).jsonText), \(bind: module.creationTime))
            """).run()
    }

    func get(projectId: Int, id: String) async throws -> SmartModule? {
        try await db.raw("SELECT * FROM smart_modules WHERE project_id = \(bind: projectId) AND id = \(bind: id)").first().map(Self.module)
    }

    func list(projectId: Int) async throws -> [SmartModule] {
        try await db.raw("SELECT * FROM smart_modules WHERE project_id = \(bind: projectId) ORDER BY id").all().map(Self.module)
    }

    static func module(_ row: any SQLRow) throws -> SmartModule {
        var events: [String] = []
        if case .array(let values) = try row.json("subscribed_events") {
            events = values.compactMap { if case .string(let name) = $0 { name } else { nil } }
        }
        return SmartModule(
            id: try row.column("id"), projectId: try row.column("project_id"), moduleType: try row.column("module_type"),
            description: try row.column("description"), suspended: try row.column("suspended"), subscribedEvents: events,
            configData: try row.json("config_data").objectValue ?? [:], creationTime: try row.column("creation_time"))
    }
}

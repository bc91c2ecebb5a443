import Foundation
import NimbusCore
import SQLKit

struct SQLEventRepository: EventRepository {
    let db: any SQLDatabase

    func append(_ events: [NewEvent]) async throws -> [Event] {
        guard !events.isEmpty else { return [] }
        let insert = SQLRowsInsert(
            "INSERT INTO events (project_id, home_id, event_type, event_data, origin_kind, origin_id, origin_name, timestamp) VALUES ",
            columns: 8, events, tail: " RETURNING id"
        ) { event in
            let (kind, id, name) = Self.origin(event.origin)
            return [.int(event.projectId), .int(event.homeId), .text(event.eventType), .text(JSONValue.object(event.eventData).jsonText),
                    .text(kind), .int(id), .text(name), .date(event.timestamp)]
        }
        let ids: [Int] = try await db.rows(of: insert).map { try $0.column("id") }.sorted()
        guard ids.count == events.count else { throw StoreError.unexpectedRow("event ids") }
        return zip(ids, events).map { id, event in
            Event(id: id, projectId: event.projectId, homeId: event.homeId, eventType: event.eventType, eventData: event.eventData, origin: event.origin, timestamp: event.timestamp)
        }
    }

    func recent(homeId: Int, limit: Int) async throws -> [Event] {
        try await db.raw("SELECT * FROM events WHERE home_id = \(bind: homeId) ORDER BY id DESC LIMIT \(bind: limit)").all().map { row in
            let kind: String = try row.column("origin_kind")
            let originId: Int = try row.column("origin_id")
            let originName: String = try row.column("origin_name")
            return Event(
                id: try row.column("id"), projectId: try row.column("project_id"), homeId: try row.column("home_id"),
                eventType: try row.column("event_type"), eventData: try row.json("event_data").objectValue ?? [:],
                origin: kind == "device" ? .device(id: originId, deviceClass: originName) : .projectKey(id: originId, name: originName),
                timestamp: try row.column("timestamp"))
        }
    }

    static func origin(_ origin: Event.Origin) -> (String, Int, String) {
        switch origin {
        case .device(let id, let deviceClass): ("device", id, deviceClass)
        case .projectKey(let id, let name): ("project_key", id, name)
        }
    }
}

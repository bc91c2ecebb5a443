import Foundation
import Hummingbird
import NimbusCore
import NimbusHTTP

/// The network's events as the agent reported them (`WiFiMotionAgentAPI`), newest first, with the tags the app gave
/// them (`Human`, `Pet`, `False`; kept as the home's settings document `wifimotion-tags`, the newest 1,000).
struct WiFiMotionEventsController: Sendable {
    static let tags = ["Human", "Pet", "False"]
    static let tagsKey = "wifimotion-tags"
    static let keptTags = 1_000
    let homes: HomeUseCases
    let events: EventUseCases
    var scope: WiFiMotionNetworkScope { WiFiMotionNetworkScope(homes: homes) }

    func addRoutes(to api: RouterGroup<NimbusRequestContext>) {
        api.get("events", use: list)
        api.post("event_tag", use: tag)
    }

    /// `?network_id&from&to&last` (epoch seconds; `last` the most events, 1–400, default 100): the events in range.
    @Sendable func list(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let networkId = try await scope.network(request, context)
        let from = try request.wifiMotionSeconds("from"), to = try request.wifiMotionSeconds("to")
        let last = try request.wifiMotionInteger("last", in: 1...400) ?? 100
        let tags = try await tags(of: networkId, context)
        let listed = try await events.recent(homeId: networkId, limit: 1_000, by: context.principal)
            .map { Self.json($0, tags: tags) }
            .filter { event in
                let ts = event.objectValue?["ts"].flatMap { if case .number(let n) = $0 { n } else { nil } } ?? 0
                return (from.map { ts >= $0 } ?? true) && (to.map { ts <= $0 } ?? true)
            }
        return JSONValue.array(Array(listed.prefix(last))).response()
    }

    /// `{network_id, eventid, tag}` → the tagged event (the App Cloud's shape).
    @Sendable func tag(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let fields = try await WiFiMotionFields.read(request, context: context)
        guard let networkId = try fields.int("network_id") else { throw WiFiMotionError.invalid("network_id", "required") }
        let eventId = try fields.requiredString("eventid")
        let tag = try fields.requiredString("tag")
        guard Self.tags.contains(tag) else { throw WiFiMotionError.invalid("tag", "Human, Pet or False") }
        guard let event = try await events.recent(homeId: networkId, limit: 1_000, by: context.principal)
            .first(where: { $0.eventData["_id"] == .string(eventId) }) else { throw NimbusError.notFound("event") }
        var pairs = try await scope.setting(Self.tagsKey, of: networkId, context)?.arrayValue ?? []
        pairs.removeAll { $0.arrayValue?.first == .string(eventId) }
        pairs.append(.array([.string(eventId), .string(tag)]))
        try await homes.setSetting(Self.tagsKey, of: networkId, to: .array(Array(pairs.suffix(Self.keptTags))), by: context.principal)
        let data = event.eventData
        return JSONValue.object([
            "id": .string(eventId), "guardian_id": data["guardian_id"] ?? .null, "network_id": .number(Double(networkId)),
            "timestamp": data["ts"] ?? .null, "event_type": .string(event.eventType), "event_category": data["category"] ?? .null,
            "link_id": data["link_id"] ?? .null, "icon_url": .null, "text": data["loc_name"] ?? .null, "tag": .string(tag), "data": .object(data),
        ]).response()
    }

    /// An event as the list and `/motions` show it: what the agent sent, with `event`, and its tag padded to 10.
    static func json(_ event: Event, tags: [String: String] = [:]) -> JSONValue {
        var object = event.eventData
        object["event"] = .string(event.eventType)
        if case .string(let id)? = object["_id"], let tag = tags[id] { object["tag"] = .string(tag.padding(toLength: 10, withPad: " ", startingAt: 0)) }
        return .object(object)
    }

    private func tags(of networkId: Int, _ context: NimbusRequestContext) async throws -> [String: String] {
        var tags: [String: String] = [:]
        for pair in try await scope.setting(Self.tagsKey, of: networkId, context)?.arrayValue ?? [] {
            guard case .string(let id)? = pair.arrayValue?.first, case .string(let tag)? = pair.arrayValue?.last else { continue }
            tags[id] = tag
        }
        return tags
    }
}

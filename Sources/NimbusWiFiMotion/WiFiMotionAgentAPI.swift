import Foundation
import Hummingbird
import NimbusCore
import NimbusHTTP

/// The Core API paths the access-point agent ("Guardian") reports through, under `/wifimotion/mns/network/{id}/`:
/// motion, link and network events, and the network's topology. The agent holds a project key of the WiFi Motion
/// project (`nimbus key create`, `Authorization: <key>` or `Bearer <key>`): `events` to report events, `admin` to
/// report the topology. An event is stored before the answer and goes live to the network's members (`/motions`).
struct WiFiMotionAgentAPI: Sendable {
    static let categories = ["Link", "Network", "Motion", "System", "User", "Device", "Internal"]
    static let maximumEventBytes = 16_384
    let nimbus: Nimbus

    func addRoutes(to mns: RouterGroup<NimbusRequestContext>) {
        mns.post("network/:id/events/create", use: createEvent)
        mns.put("network/:id/topology", use: reportTopology)
    }

    /// `{ts?, guardian_id?, category, event, …}`: the event as sent, with its `_id`, `network_id` and `ts` (now when
    /// absent) — what the events list and `/motions` show.
    @Sendable func createEvent(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let networkId = try WiFiMotionNetworksController.networkId(context)
        let fields = try await WiFiMotionFields.read(request, context: context)
        guard !fields.fields.isForm else { throw WiFiMotionError.invalid("body", "must be a JSON object") }
        guard case .string(let event)? = fields.value("event"), WiFiMotionMQTTHooks.isThingName(event) else {
            throw WiFiMotionError.invalid("event", "required: a name of 1 to 64 letters, digits, _ or -")
        }
        guard case .string(let category)? = fields.value("category") else { throw WiFiMotionError.invalid("category", "required: a text") }
        guard Self.categories.contains(category) else { throw WiFiMotionError.invalid("category", "one of \(Self.categories.joined(separator: ", "))") }
        var data = fields.fields.values
        data["_id"] = .string(UUID().uuidString.lowercased())
        data["network_id"] = .number(Double(networkId))
        data["ts"] = .number(try fields.double("ts") ?? nimbus.environment.clock.now().timeIntervalSince1970)
        guard JSONValue.object(data).jsonText.utf8.count <= Self.maximumEventBytes else {
            throw WiFiMotionError.invalid("body", "at most \(Self.maximumEventBytes) bytes of JSON")
        }
        try await nimbus.events.toHome(networkId, eventType: event, eventData: data, by: context.principal)
        if category == "Motion", case .number(let ts)? = data["ts"], case .projectKey(_, let projectId, _, _) = context.principal {
            try await recordMotion(data, at: Date(timeIntervalSince1970: ts), in: networkId, projectId: projectId)
        }
        return JSONValue.object(data).response(.created)
    }

    /// A motion event as readings of the network's agent thing, which the motion history aggregates with the rollups
    /// of every reading: `motion_events` (1 per event: densities) and `motion_intensity` (its intensity, when it has
    /// one: intensities).
    /// The network is one of the key's project (`toHome` checked it before).
    private func recordMotion(_ data: [String: JSONValue], at time: Date, in networkId: Int, projectId: Int) async throws {
        let agent = try await nimbus.things.gateway(
            hardwareId: Self.agentName, homeId: networkId, projectId: projectId, properties: ["deviceType": .string(Self.agentType)])
        var readings = [NewReading(channel: "motion_events", value: .number(1), type: nil, unit: nil, timestamp: time)]
        if let intensity = WiFiMotionHistoryController.intensity(of: data) {
            readings.append(NewReading(channel: "motion_intensity", value: .number(intensity), type: nil, unit: nil, timestamp: time))
        }
        try await nimbus.readings.fromThing(agent.id, readings: readings, by: .device(deviceId: agent.id, projectId: agent.projectId))
    }

    /// The thing that stands for a network's access-point agent (kept out of `/sensors/devices`).
    static let agentName = "GUARDIAN"
    static let agentType = "Guardian"

    /// `{ts?, devices: [{device_id, …}], links: […]}`: replaces what the network's devices and links are.
    @Sendable func reportTopology(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let networkId = try WiFiMotionNetworksController.networkId(context)
        let report = try WiFiMotionTopology.report(try await WiFiMotionFields.read(request, context: context), at: nimbus.environment.clock.now())
        try await nimbus.homes.setSetting(WiFiMotionTopology.key, of: networkId, to: report, by: context.principal)
        return Response(status: .noContent)
    }
}

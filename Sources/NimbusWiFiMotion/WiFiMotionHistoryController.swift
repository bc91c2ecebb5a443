import Foundation
import Hummingbird
import NimbusCore
import NimbusHTTP

/// Motion history for charts (`/motion_history_intensities`, `/motion_history_densities`): `[[value|null, ts], …]`,
/// one pair per bucket of `bucket` seconds from `from` to `to` (epoch seconds; the last hour by default), oldest
/// first, or the `last` buckets before `to`. Read from the readings the agent's `Motion` events became
/// (`WiFiMotionAgentAPI`), through the rollups like any history: a bucket's intensity is the highest intensity
/// reported in it, its density how many motion events it had per minute; a bucket without events is `null`.
struct WiFiMotionHistoryController: Sendable {
    static let maximumBuckets = 2_000
    let nimbus: Nimbus
    var scope: WiFiMotionNetworkScope { WiFiMotionNetworkScope(homes: nimbus.homes) }

    func addRoutes(to api: RouterGroup<NimbusRequestContext>) {
        api.get("motion_history_intensities") { request, context in try await history(request, context, density: false) }
        api.get("motion_history_densities") { request, context in try await history(request, context, density: true) }
    }

    func history(_ request: Request, _ context: NimbusRequestContext, density: Bool) async throws -> Response {
        let networkId = try await scope.network(request, context)
        let bucket = try request.wifiMotionInteger("bucket", in: 1...900) ?? 60
        let last = try request.wifiMotionInteger("last", in: 0...400)
        let to = try request.wifiMotionSeconds("to") ?? nimbus.environment.clock.now().timeIntervalSince1970
        let from = try request.wifiMotionSeconds("from") ?? max(to - 3_600, 0)
        guard from <= to else { throw WiFiMotionError.invalid("from", "must not be after to") }
        let size = Double(bucket)
        let lastStart = (to / size).rounded(.down) * size
        // `last` buckets end with the one that holds `to`; else every bucket from the one holding `from`.
        let start = if let last, last > 0 { max(lastStart - Double(last - 1) * size, 0) } else { (from / size).rounded(.down) * size }
        let span = (lastStart - start) / size
        guard span < Double(Self.maximumBuckets) else { throw WiFiMotionError.invalid("bucket", "at most \(Self.maximumBuckets) buckets in a range") }
        let count = Int(span) + 1
        var values = [Double?](repeating: nil, count: count)
        for stored in try await buckets(networkId, density: density, from: start, to: to, size: bucket, context) {
            let index = Int(((stored.start.timeIntervalSince1970 - start) / Double(bucket)).rounded())
            guard values.indices.contains(index), stored.count > 0 else { continue }
            values[index] = density ? Double(stored.count) * 60 / Double(bucket) : stored.max
        }
        return JSONValue.array(values.enumerated().map { index, value in
            .array([value.map(JSONValue.number) ?? .null, .number(start + Double(index * bucket))])
        }).response()
    }

    /// The agent's buckets of motion events or intensities; none before its first motion event.
    private func buckets(
        _ networkId: Int, density: Bool, from: Double, to: Double, size: Int, _ context: NimbusRequestContext
    ) async throws -> [ReadingBucket] {
        let agent = try await nimbus.things.reported(in: networkId, by: context.principal)
            .first { $0.parentId == nil && $0.hardwareId == WiFiMotionAgentAPI.agentName }
        guard let agent else { return [] }
        do {
            return try await nimbus.telemetry.buckets(
                of: agent.uuid, channel: density ? "motion_events" : "motion_intensity", from: Date(timeIntervalSince1970: from),
                to: Date(timeIntervalSince1970: to), size: .seconds(size), accountId: networkId, by: context.principal)
        } catch NimbusError.notFound {
            return []
        }
    }

    /// An event's intensity: its `intensity`, else the highest value of its `intensity_window`.
    static func intensity(of data: [String: JSONValue]) -> Double? {
        if case .number(let value)? = data["intensity"] { return value }
        let window: [Double] = data["intensity_window"]?.arrayValue?.compactMap { item -> Double? in
            if case .number(let value) = item { return value }
            return nil
        } ?? []
        return window.max()
    }
}

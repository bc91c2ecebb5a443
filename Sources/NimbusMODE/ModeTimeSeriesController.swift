import Foundation
import Hummingbird
import NimbusCore
import NimbusHTTP

/// `/homes/{homeId}/smartModules/{moduleId}/timeSeries…`: MODE's time-series module over the readings of the home's
/// devices (`ModeTimeSeries` says which events make them). A series is one channel of one device, its id
/// `{deviceId}-{channel}` (`12-temperature`). Timestamps are RFC 3339, buckets and ranges UTC.
struct ModeTimeSeriesController {
    let timeSeries: TimeSeriesUseCases

    func addRoutes(to routes: ModeRoutes) {
        let base = "homes/{homeId}/smartModules/{moduleId}/timeSeries"
        routes.credentialed.get(RouterPath(base), use: list)
        routes.credentialed.get(RouterPath("\(base)/{seriesId}"), use: get)
        routes.credentialed.get(RouterPath("\(base)/{seriesId}/timeRange"), use: timeRange)
        routes.credentialed.get(RouterPath("\(base)/{seriesId}/data"), use: data)
    }

    func list(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let (homeId, moduleId) = (try context.id("homeId"), try Self.moduleId(context))
        let series = try await timeSeries.list(homeId: homeId, moduleId: moduleId, by: context.principal)
        return try ModeResponse.json(series.map { ModeWire.TimeSeries($0, homeId: homeId, moduleId: moduleId) })
    }

    func get(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let (homeId, moduleId, (deviceId, channel)) = (try context.id("homeId"), try Self.moduleId(context), try Self.seriesId(context))
        let series = try await timeSeries.get(deviceId: deviceId, channel: channel, homeId: homeId, moduleId: moduleId, by: context.principal)
        return try ModeResponse.json(ModeWire.TimeSeries(series, homeId: homeId, moduleId: moduleId))
    }

    func timeRange(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let (homeId, moduleId, (deviceId, channel)) = (try context.id("homeId"), try Self.moduleId(context), try Self.seriesId(context))
        let (series, begin) = try await timeSeries.timeRange(
            deviceId: deviceId, channel: channel, homeId: homeId, moduleId: moduleId, by: context.principal)
        return try ModeResponse.json(ModeWire.TimeRange(seriesId: ModeWire.TimeSeries.id(series), begin: ModeWire.time(begin), end: ModeWire.time(series.latest.timestamp)))
    }

    /// `?begin&end&aggregation&resolution`: buckets; `?ts&limit`: raw readings from `ts` on.
    func data(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let (homeId, moduleId, (deviceId, channel)) = (try context.id("homeId"), try Self.moduleId(context), try Self.seriesId(context))
        let seriesId = "\(deviceId)-\(channel)"
        if request.query("begin") == nil, let ts = request.query("ts") {
            let from = try Self.time(ts, "ts")
            let limit = try request.queryInt("limit") ?? 100
            let readings = try await timeSeries.readings(
                deviceId: deviceId, channel: channel, homeId: homeId, moduleId: moduleId, from: from, limit: limit, by: context.principal)
            let data = readings.compactMap { reading in reading.value.primary.map { ModeWire.Point(ModeWire.time(reading.timestamp), $0) } }
            return try ModeResponse.json(ModeWire.RawSeriesData(seriesId: seriesId, ts: ModeWire.time(from), limit: limit, data: data))
        }
        let begin = try Self.time(request.query("begin"), "begin")
        let end = try Self.time(request.query("end"), "end")
        let aggregation = try ModeWire.Aggregation(request.query("aggregation") ?? "avg")
        let resolution = request.query("resolution") ?? "1min"
        guard let size = Self.resolutions[resolution] else {
            throw NimbusError.invalidInput(field: "resolution", reason: "one of \(Self.resolutions.keys.sorted().joined(separator: ", "))")
        }
        let buckets = try await timeSeries.buckets(
            deviceId: deviceId, channel: channel, homeId: homeId, moduleId: moduleId, from: begin, to: end, size: size, by: context.principal)
        return try ModeResponse.json(ModeWire.SeriesData(
            seriesId: seriesId, begin: ModeWire.time(begin), end: ModeWire.time(end), aggregation: aggregation.rawValue,
            resolution: resolution, data: buckets.map { ModeWire.Point(ModeWire.time($0.start), aggregation.value(of: $0)) }))
    }

    /// MODE's resolutions.
    static let resolutions: [String: BucketSize] = [
        "5sec": .seconds(5), "15sec": .seconds(15), "1min": .seconds(60), "10min": .seconds(600), "1hour": .seconds(3_600),
        "1day": .seconds(86_400), "1week": .week, "1month": .month,
    ]

    private static func moduleId(_ context: NimbusRequestContext) throws -> String {
        guard let id = context.parameters.get("moduleId") else { throw NimbusError.notFound("smartModule") }
        return id
    }

    /// `12-temperature` → (12, "temperature"). A malformed id names nothing: not found.
    private static func seriesId(_ context: NimbusRequestContext) throws -> (deviceId: Int, channel: String) {
        guard let text = context.parameters.get("seriesId").flatMap({ $0.removingPercentEncoding }),
              let dash = text.firstIndex(of: "-"), let deviceId = Int(text[..<dash]), deviceId > 0, dash < text.index(before: text.endIndex) else {
            throw NimbusError.notFound("timeSeries")
        }
        return (deviceId, String(text[text.index(after: dash)...]))
    }

    private static func time(_ text: String?, _ field: String) throws -> Date {
        guard let text else { throw NimbusError.invalidInput(field: field, reason: "required, an RFC 3339 time") }
        guard let date = Timestamp.parse(text) else {
            throw NimbusError.invalidInput(field: field, reason: "an RFC 3339 time, such as 2026-12-05T10:00:00Z")
        }
        return date
    }
}

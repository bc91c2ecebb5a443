import Foundation
import Hummingbird
import NimbusCore
import NimbusHTTP

/// The history service's reads over ranges, under `/cayenne/devices` (`HISTORY_HOST`, CJ's `DELOREAN_ES_BASE_URL`;
/// `cayenne-clients.md` §4, H5, whose shapes no client shows: `docs/telemetry.md` writes down the ones chosen):
/// a thing's readings a page at a time, one channel in buckets, where things are (`map-state`) and the track each
/// has left. Ranges are `startDate`/`endDate` in epoch milliseconds, by default everything until now; a page ends
/// with `next`, the `cursor` of the page after it. Needs `history: view` in the account.
struct CayenneHistoryController {
    let telemetry: TelemetryUseCases

    func addRoutes(to api: RouterGroup<NimbusRequestContext>) {
        api.get("devices/map-state", use: mapState)
        api.get("devices/:id/readings", use: readings)
        api.get("devices/:id/aggregations", use: aggregations)
        api.get("devices/:id/locations", use: track)
    }

    /// `?channel&startDate&endDate&limit&cursor`: `{items: [{channel, value, type, unit, sensor_id, timestamp}], next}`,
    /// newest first, of one channel or all.
    func readings(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let query = request.uri.queryParameters
        let (from, to) = try SummaryRange.startAndEnd(query)
        let (items, next) = try await telemetry.readings(
            of: try CayenneThingWire.uuid(context, what: "thing"), channel: query.get("channel"), from: from, to: to,
            before: try Self.cursor(query), limit: try Self.limit(query), accountId: try CayenneThingWire.accountId(request), by: context.principal)
        return Self.page(items.map { CayenneTelemetryController.channelState(sensor: $0.sensor, reading: $0.reading) }, next: next)
    }

    /// `?channel&startDate&endDate&interval`: `[{ts, count, min, max, avg, sum}]`, oldest first, one per `interval`
    /// (`{n}{unit}`: `1minute`, `15minute`, `1hour`, `1day`, `1week`, `1month`, `{n}second` too; default `1hour`) that
    /// holds a reading.
    func aggregations(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let query = request.uri.queryParameters
        guard let channel = query.get("channel"), !channel.isEmpty else { throw NimbusError.invalidInput(field: "channel", reason: "required") }
        let (from, to) = try SummaryRange.startAndEnd(query)
        let buckets = try await telemetry.buckets(
            of: try CayenneThingWire.uuid(context, what: "thing"), channel: channel, from: from, to: to,
            size: try Self.interval(query.get("interval") ?? "1hour"), accountId: try CayenneThingWire.accountId(request), by: context.principal)
        return CayenneResponse.json(.array(buckets.map { bucket in
            .object([
                "ts": CayenneWire.time(bucket.start), "count": .number(Double(bucket.count)), "min": .number(bucket.min),
                "max": .number(bucket.max), "avg": .number(bucket.average), "sum": .number(bucket.sum),
            ])
        }))
    }

    /// `?devices=a,b` (1 to 100): `[{thing_id, timestamp, geo: {lat, lon, alt}}]` for each thing asked about that has
    /// sent a location, in the order asked (`geo` as Elasticsearch's geo_point, the service's store).
    func mapState(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let locations = try await telemetry.locations(
            of: try CayenneTelemetryController.thingIds(request), accountId: try CayenneThingWire.accountId(request), by: context.principal)
        return CayenneResponse.json(.array(locations.compactMap { thingId, reading in
            guard let reading, let location = reading.location else { return nil }
            return .object([
                "thing_id": .string(thingId.lowercaseString), "timestamp": CayenneWire.time(reading.timestamp), "geo": Self.geo(location),
            ])
        }))
    }

    /// `?startDate&endDate&limit&cursor`: `{items: [{timestamp, geo, channel, sensor_id}], next}`, oldest first: the
    /// thing's location readings.
    func track(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let query = request.uri.queryParameters
        let (from, to) = try SummaryRange.startAndEnd(query)
        let (points, next) = try await telemetry.track(
            of: try CayenneThingWire.uuid(context, what: "thing"), from: from, to: to, after: try Self.cursor(query),
            limit: try Self.limit(query), accountId: try CayenneThingWire.accountId(request), by: context.principal)
        return Self.page(points.compactMap { point in
            point.reading.location.map { location in
                .object([
                    "timestamp": CayenneWire.time(point.reading.timestamp), "geo": Self.geo(location),
                    "channel": JSONValue.channel(point.reading.channel), "sensor_id": .string(point.sensor.uuid.lowercaseString),
                ])
            }
        }, next: next)
    }

    static func geo(_ location: Reading.Location) -> JSONValue {
        var geo: [String: JSONValue] = ["lat": .number(location.latitude), "lon": .number(location.longitude)]
        if let altitude = location.altitude { geo["alt"] = .number(altitude) }
        return .object(geo)
    }

    private static func page(_ items: [JSONValue], next: ReadingPosition?) -> Response {
        CayenneResponse.json(.object(["items": .array(items), "next": next.map { .string(cursor($0)) } ?? .null]))
    }

    private static func limit(_ query: Parameters) throws -> Int {
        guard let text = query.get("limit") else { return 100 }
        guard let limit = Int(text) else { throw NimbusError.invalidInput(field: "limit", reason: "1 to \(TelemetryUseCases.maximumPage)") }
        return limit
    }

    /// A position as a cursor: the reading's time (seconds, written so that it reads back exactly) and id.
    static func cursor(_ position: ReadingPosition) -> String {
        "\(position.timestamp.timeIntervalSince1970)_\(position.id)"
    }

    private static func cursor(_ query: Parameters) throws -> ReadingPosition? {
        guard let text = query.get("cursor") else { return nil }
        let parts = text.split(separator: "_")
        guard parts.count == 2, let seconds = Double(parts[0]), seconds.isFinite, let id = Int(parts[1]) else {
            throw NimbusError.invalidInput(field: "cursor", reason: "the next of a page, as given")
        }
        return ReadingPosition(timestamp: Date(timeIntervalSince1970: seconds), id: id)
    }

    /// `15minute` → 900 s; `1week`, `1month` → calendar buckets.
    static func interval(_ text: String) throws -> BucketSize {
        let seconds: [String: Int] = ["second": 1, "minute": 60, "hour": 3_600, "day": 86_400]
        guard let (count, unit) = SummaryRange.countAndUnit(text), (1...1_000).contains(count) else {
            throw NimbusError.invalidInput(field: "interval", reason: "{n}{unit}: 1minute, 15minute, 1hour, 1day, 1week, 1month")
        }
        switch unit {
        case "week" where count == 1: return .week
        case "month" where count == 1: return .month
        default:
            guard let length = seconds[unit] else {
                throw NimbusError.invalidInput(field: "interval", reason: "{n}{unit}: 1minute, 15minute, 1hour, 1day, 1week, 1month")
            }
            return .seconds(count * length)
        }
    }
}

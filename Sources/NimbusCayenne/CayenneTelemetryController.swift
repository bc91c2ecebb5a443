import Foundation
import Hummingbird
import NimbusCore
import NimbusHTTP

/// What things said, as Cayenne's clients read it (`cayenne-clients.md` §4): the platform's summaries
/// (`/v1.1/telemetry/{deviceId}/sensors/{sensorId}/summaries`, H1) and the history service's state of a device
/// (`/devices/{id}/state`, H4) and of one channel. Needs `history: view` in the account.
struct CayenneTelemetryController {
    let telemetry: TelemetryUseCases

    /// `platform` is `/cayenne/v1.1`; `api` is `/cayenne` (where `HISTORY_HOST=<nimbus>/cayenne/devices/` points).
    func addRoutes(platform: RouterGroup<NimbusRequestContext>, api: RouterGroup<NimbusRequestContext>) {
        platform.get("telemetry/:deviceId/sensors/:sensorId/summaries", use: summaries)
        api.get("devices/state", use: severalStates)
        api.get("devices/:id/state", use: state)
        api.get("devices/:id/channels/:channel/state", use: channelState)
    }

    /// `type=latest`: an array of one `{v, ts, unit, device_type}` (none before the sensor's first reading).
    /// `type=custom&startDate&endDate` (epoch milliseconds) or a period (`1hour`, `7day`, `1week`, `1month`, `2month`,
    /// `1year`, …, ending now, or at the latest reading with `endDateLatest=true`): the range newest first, raw or
    /// rolled up to at most `points` (default 2,000) unless `raw=true`; a bucket's `v` is its average, with `min`,
    /// `max` and `count` besides.
    func summaries(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let query = request.uri.queryParameters
        let (thingId, sensorId) = (try CayenneThingWire.uuid(context, "deviceId", what: "thing"), try CayenneThingWire.uuid(context, "sensorId", what: "sensor"))
        let accountId = try CayenneThingWire.accountId(request)
        let type = query.get("type") ?? "latest"
        if type == "latest" {
            let latest = try await telemetry.latest(of: thingId, sensorId: sensorId, accountId: accountId, by: context.principal)
            return CayenneResponse.json(.array(latest.map { [Self.summary($0.reading)] } ?? []))
        }
        // Only a period that ends at the latest reading needs it before the range is known; the history brings it too.
        let end = query.get("endDateLatest") == "true"
            ? try await telemetry.latest(of: thingId, sensorId: sensorId, accountId: accountId, by: context.principal)?.reading.timestamp : nil
        let (from, to) = try SummaryRange(type: type, query: query, latest: end).dates
        let points = try query.get("points").map { text in
            guard let points = Int(text) else { throw NimbusError.invalidInput(field: "points", reason: "must be a whole number") }
            return points
        } ?? 2_000
        let (history, latest) = try await telemetry.history(
            of: thingId, sensorId: sensorId, from: from, to: to, points: points, raw: query.get("raw") == "true", accountId: accountId,
            by: context.principal)
        switch history {
        case .raw(let readings):
            return Self.summaries(readings)
        case .rolledUp(_, let rollups):
            return CayenneResponse.json(.array(rollups.map { Self.summary($0, like: latest) }))
        }
    }

    /// `[{channel, value, type, unit, sensor_id, timestamp}]`: the latest reading of each channel of the device.
    func state(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let states = try await telemetry.state(
            of: try CayenneThingWire.uuid(context, what: "thing"), accountId: try CayenneThingWire.accountId(request), by: context.principal)
        return CayenneResponse.json(.array(states.map(Self.channelState)))
    }

    /// `?devices=a,b` (at most 100): `[{thing_id, state: [...]}]`, each thing's state as `devices/{id}/state` gives it,
    /// in the order asked; an id that is not a thing of the account is 404 for the whole request.
    func severalStates(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let states = try await telemetry.states(of: try Self.thingIds(request), accountId: try CayenneThingWire.accountId(request), by: context.principal)
        return CayenneResponse.json(.array(states.map { thingId, channels in
            .object(["thing_id": .string(thingId.lowercaseString), "state": .array(channels.map(Self.channelState))])
        }))
    }

    /// `?devices=a,b`: the thing ids asked about.
    static func thingIds(_ request: Request) throws -> [UUID] {
        try (request.uri.queryParameters.get("devices") ?? "").split(separator: ",").map { text in
            guard let id = UUID(uuidString: text.trimmingCharacters(in: .whitespaces)) else {
                throw NimbusError.invalidInput(field: "devices", reason: "thing ids separated by commas")
            }
            return id
        }
    }

    /// One channel's `{channel, value, type, unit, sensor_id, timestamp}`; 404 before its first reading.
    func channelState(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let channel = context.parameters.get("channel") ?? ""
        let states = try await telemetry.state(
            of: try CayenneThingWire.uuid(context, what: "thing"), accountId: try CayenneThingWire.accountId(request), by: context.principal)
        guard let state = states.first(where: { $0.reading.channel == channel }) else { throw NimbusError.notFound("channel state") }
        return CayenneResponse.json(Self.channelState(state))
    }

    /// H1's element: `v` a JSON number (T4 formats it with `%d`; text readings stay text), `ts` exactly
    /// `YYYY-MM-DDTHH:MM:SS.mmmZ`, `unit` as reported (`""` without one), `device_type` `digital` for the digital
    /// types and `analog` otherwise (as T1's example derives it from `analog_sensor`).
    static func summary(_ reading: Reading) -> JSONValue {
        .object([
            "v": CayenneWire.value(reading.value, multiple: false), "ts": CayenneWire.time(reading.timestamp), "unit": .string(reading.unit ?? ""),
            "device_type": .string(deviceType(reading.type)),
        ])
    }

    /// Raw readings as `summary(_:)` renders them, written straight into the body: a day of a busy sensor is
    /// thousands of elements, and building a `JSONValue` object for each took a third of answering.
    static func summaries(_ readings: [Reading]) -> Response {
        CayenneResponse.json(bytes: summaryText(readings))
    }

    /// The JSON text of `summaries(_:)`.
    static func summaryText(_ readings: [Reading]) -> [UInt8] {
        var bytes: [UInt8] = [UInt8(ascii: "[")]
        bytes.reserveCapacity(readings.count * 72 + 2)
        for (index, reading) in readings.enumerated() {
            // The keys in the order `JSONWriter` sorts them, so the text is the same as `summary(_:)`'s.
            bytes.append(contentsOf: (index == 0 ? #"{"device_type":"# : #",{"device_type":"#).utf8)
            JSONWriter.write(string: deviceType(reading.type), to: &bytes)
            bytes.append(contentsOf: #","ts":"#.utf8)
            JSONWriter.write(string: Timestamp.rfc3339(reading.timestamp), to: &bytes)
            bytes.append(contentsOf: #","unit":"#.utf8)
            JSONWriter.write(string: reading.unit ?? "", to: &bytes)
            bytes.append(contentsOf: #","v":"#.utf8)
            JSONWriter.write(CayenneWire.value(reading.value, multiple: false), to: &bytes)
            bytes.append(UInt8(ascii: "}"))
        }
        bytes.append(UInt8(ascii: "]"))
        return bytes
    }

    /// A bucket as an element of the same shape: `v` the average at the bucket's start, with `min`, `max`, `count`.
    static func summary(_ rollup: ReadingRollup, like latest: Reading?) -> JSONValue {
        .object([
            "v": .number(rollup.average), "ts": CayenneWire.time(rollup.start), "unit": .string(latest?.unit ?? ""),
            "device_type": .string(deviceType(latest?.type)),
            "min": .number(rollup.min), "max": .number(rollup.max), "count": .number(Double(rollup.count)),
        ])
    }

    /// `digital` for the digital types, `analog` otherwise.
    private static func deviceType(_ type: String?) -> String {
        type?.hasPrefix("digital") == true ? "digital" : "analog"
    }

    static func channelState(_ state: TelemetryUseCases.ChannelState) -> JSONValue {
        channelState(sensor: state.sensor, reading: state.reading)
    }

    /// A reading as the history service shows it: `{channel, value, type, unit, sensor_id, timestamp}`.
    static func channelState(sensor: Device, reading: Reading) -> JSONValue {
        .object([
            "channel": JSONValue.channel(reading.channel), "value": CayenneWire.value(reading.value, multiple: true),
            "type": reading.type.map(JSONValue.string) ?? .null, "unit": reading.unit.map(JSONValue.string) ?? .null,
            "sensor_id": .string(sensor.uuid.lowercaseString), "timestamp": CayenneWire.time(reading.timestamp),
        ])
    }
}

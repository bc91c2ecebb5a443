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
        api.get("devices/:id/state", use: state)
        api.get("devices/:id/channels/:channel/state", use: channelState)
    }

    /// `type=latest`: an array of one `{v, ts, unit, device_type}` (none before the sensor's first reading). The
    /// other types (ranges, periods) come with the telemetry history and are refused until then.
    func summaries(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let type = request.uri.queryParameters.get("type") ?? "latest"
        guard type == "latest" else {
            throw NimbusError.invalidInput(field: "type", reason: "only latest is served yet (ranges and periods come with the history)")
        }
        let latest = try await telemetry.latest(
            of: try CayenneThingWire.uuid(context, "deviceId", what: "thing"), sensorId: try CayenneThingWire.uuid(context, "sensorId", what: "sensor"),
            accountId: try CayenneThingWire.accountId(request), by: context.principal)
        return CayenneResponse.json(.array(latest.map { [Self.summary($0.reading)] } ?? []))
    }

    /// `[{channel, value, type, unit, sensor_id, timestamp}]`: the latest reading of each channel of the device.
    func state(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let states = try await telemetry.state(
            of: try CayenneThingWire.uuid(context, what: "thing"), accountId: try CayenneThingWire.accountId(request), by: context.principal)
        return CayenneResponse.json(.array(states.map(Self.channelState)))
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
            "device_type": .string(reading.type?.hasPrefix("digital") == true ? "digital" : "analog"),
        ])
    }

    static func channelState(_ state: TelemetryUseCases.ChannelState) -> JSONValue {
        .object([
            "channel": JSONValue.channel(state.reading.channel), "value": CayenneWire.value(state.reading.value, multiple: true),
            "type": state.reading.type.map(JSONValue.string) ?? .null, "unit": state.reading.unit.map(JSONValue.string) ?? .null,
            "sensor_id": .string(state.sensor.uuid.lowercaseString), "timestamp": CayenneWire.time(state.reading.timestamp),
        ])
    }
}

import Foundation
import Hummingbird
import NimbusCore
import NimbusHTTP

/// `GET /cayenne/devices/{id}/readings/export?startDate&endDate` (epoch milliseconds; by default everything until
/// now): every reading of the thing's channels in the range as CSV, channel by channel, each oldest first, written a
/// page of 1,000 at a time as it is read, so an export of any length holds one page in memory. Needs `history: view`.
struct CayenneReadingExport {
    let telemetry: TelemetryUseCases

    static let header = "timestamp,channel,value,type,unit,sensor_id\r\n"

    func addRoutes(to api: RouterGroup<NimbusRequestContext>) {
        api.get("devices/:id/readings/export", use: export)
    }

    func export(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let query = request.uri.queryParameters
        let (from, to) = try SummaryRange.startAndEnd(query)
        let thingId = try CayenneThingWire.uuid(context, what: "thing")
        let export = try await telemetry.export(of: thingId, from: from, to: to, accountId: try CayenneThingWire.accountId(request), by: context.principal)
        var headers = HTTPFields()
        headers[.contentType] = "text/csv; charset=utf-8"
        headers[.contentDisposition] = "attachment; filename=\"\(thingId.lowercaseString)-readings.csv\""
        headers[.cacheControl] = "no-store"
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            try await writer.write(ByteBuffer(string: Self.header))
            let sensors = export.sensorUUIDs.mapValues(\.lowercaseString)
            try await export.forEachPage { page in
                var buffer = ByteBuffer()
                buffer.reserveCapacity(page.count * 96)
                for reading in page { Self.write(reading, sensor: sensors[reading.sensorId] ?? "", to: &buffer) }
                if buffer.readableBytes > 0 { try await writer.write(buffer) }
            }
            try await writer.finish(nil)
        })
    }

    /// One CSV line (RFC 4180): a text field is quoted when it holds a comma, a quote or a line break; several
    /// numbers are one field, separated by `;`. Written straight into the page's buffer: an export writes a million
    /// of them.
    static func write(_ reading: Reading, sensor: String, to buffer: inout ByteBuffer) {
        buffer.writeString(Timestamp.rfc3339(reading.timestamp))
        buffer.writeInteger(UInt8(ascii: ","))
        buffer.writeString(quoted(reading.channel))
        buffer.writeInteger(UInt8(ascii: ","))
        switch reading.value {
        case .number, .numbers: buffer.writeString(reading.value.text(separator: ";"))
        case .text(let text): buffer.writeString(quoted(text))
        }
        buffer.writeInteger(UInt8(ascii: ","))
        buffer.writeString(quoted(reading.type ?? ""))
        buffer.writeInteger(UInt8(ascii: ","))
        buffer.writeString(quoted(reading.unit ?? ""))
        buffer.writeInteger(UInt8(ascii: ","))
        buffer.writeString(sensor)
        buffer.writeString("\r\n")
    }

    static func quoted(_ field: String) -> String {
        guard field.utf8.contains(where: { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 10 || $0 == 13 }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

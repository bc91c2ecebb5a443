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
        let from = try query.get("startDate").map { try SummaryRange.epochMilliseconds($0, "startDate") } ?? Date(timeIntervalSince1970: 0)
        let to = try query.get("endDate").map { try SummaryRange.epochMilliseconds($0, "endDate") } ?? Date()
        let thingId = try CayenneThingWire.uuid(context, what: "thing")
        let export = try await telemetry.export(of: thingId, from: from, to: to, accountId: try CayenneThingWire.accountId(request), by: context.principal)
        var headers = HTTPFields()
        headers[.contentType] = "text/csv; charset=utf-8"
        headers[.contentDisposition] = "attachment; filename=\"\(thingId.lowercaseString)-readings.csv\""
        headers[.cacheControl] = "no-store"
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            try await writer.write(ByteBuffer(string: Self.header))
            var position: TelemetryUseCases.ReadingExport.Position? = .start
            while let current = position {
                let (page, next) = try await export.page(at: current)
                var text = ""
                for reading in page { text += Self.row(reading, sensor: export.sensorUUIDs[reading.sensorId]) }
                if !text.isEmpty { try await writer.write(ByteBuffer(string: text)) }
                position = next
            }
            try await writer.finish(nil)
        })
    }

    /// One CSV line (RFC 4180): a text field is quoted when it holds a comma, a quote or a line break; several
    /// numbers are one field, separated by `;`.
    static func row(_ reading: Reading, sensor: UUID?) -> String {
        let value: String = switch reading.value {
        case .number(let number): number.csvText
        case .numbers(let numbers): numbers.map(\.csvText).joined(separator: ";")
        case .text(let text): text
        }
        let fields = [
            Timestamp.rfc3339(reading.timestamp), reading.channel, value, reading.type ?? "",
            reading.unit ?? "", sensor?.lowercaseString ?? "",
        ]
        return fields.map(Self.quoted).joined(separator: ",") + "\r\n"
    }

    static func quoted(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

private extension Double {
    /// A whole number without `.0`, else Swift's shortest form that reads back the same.
    var csvText: String {
        if let whole = Int64(exactly: self) { return String(whole) }
        return String(self)
    }
}

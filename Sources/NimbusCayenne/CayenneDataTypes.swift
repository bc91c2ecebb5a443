import Foundation
import Hummingbird
import NimbusCore
import NimbusHTTP

/// `GET /ui/datatypes`: Cayenne's data types and their units (`seed-apis.md` Appendix A), with labels, as
/// `[{payload_type, label, units: [{payload_unit, unit_label, default}]}]`. The sample app looks up the type and
/// unit of every reading here and fails on one that is missing, so `null` (no unit) is listed where the docs
/// list it. Kept as a resource of the module (`Resources/datatypes.json`) and served as it is.
struct CayenneDataTypes: Sendable {
    let body: ByteBuffer
    /// `unit_label` by payload type and unit (`temp` → `c` → `Celsius`); the default unit's under `""` too.
    private let labels: [String: [String: String]]

    init() throws {
        guard let url = Bundle.module.url(forResource: "datatypes", withExtension: "json") else {
            throw CayenneDataTypesError.missing
        }
        let data = try Data(contentsOf: url)
        body = ByteBuffer(bytes: [UInt8](data))
        var labels: [String: [String: String]] = [:]
        for type in (try JSONSerialization.jsonObject(with: data) as? [[String: Any]]) ?? [] {
            guard let name = type["payload_type"] as? String else { continue }
            for unit in type["units"] as? [[String: Any]] ?? [] {
                guard let payloadUnit = unit["payload_unit"] as? String, let label = unit["unit_label"] as? String else { continue }
                labels[name, default: [:]][payloadUnit] = label
                if unit["default"] as? Bool == true { labels[name, default: [:]][""] = label }
            }
        }
        self.labels = labels
    }

    /// The label of a reading's unit as the dashboard shows it (`Celsius`); the type's default unit's when the
    /// reading named none, and `""` for a type or unit the table does not know.
    func unitLabel(type: String?, unit: String?) -> String {
        guard let type, let units = labels[type] else { return "" }
        return units[unit ?? ""] ?? units[""] ?? ""
    }

    /// On the platform (`/v1.1/ui/datatypes`) and, for the Raspberry Pi agent, on the API host (`/ui/datatypes`).
    /// The table is public, as it was: no token needed.
    func addRoutes(to group: RouterGroup<NimbusRequestContext>) {
        group.get("v1.1/ui/datatypes", use: serve)
        group.get("ui/datatypes", use: serve)
    }

    @Sendable func serve(_ request: Request, context: NimbusRequestContext) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        headers[.cacheControl] = "public, max-age=3600"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: body))
    }
}

enum CayenneDataTypesError: Error, CustomStringConvertible {
    case missing
    var description: String { "Resources/datatypes.json is missing from the NimbusCayenne bundle" }
}

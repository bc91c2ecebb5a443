import Hummingbird
import NimbusCore
import NimbusHTTP

extension NimbusRequestContext {
    /// An integer id from the path. A malformed id names nothing, so it is reported as not found.
    func id(_ name: String) throws -> Int {
        guard let text = parameters.get(name), let id = Int(text), id > 0 else { throw NimbusError.notFound(name) }
        return id
    }
}

extension Request {
    /// The `skip`/`limit` query parameters.
    func page() throws -> PageRequest {
        PageRequest(skip: try queryInt("skip") ?? 0, limit: try queryInt("limit") ?? PageRequest.defaultLimit)
    }

    func queryInt(_ name: String) throws -> Int? {
        guard let text = uri.queryParameters.get(name) else { return nil }
        guard let value = Int(text) else { throw NimbusError.invalidInput(field: name, reason: "must be an integer") }
        return value
    }

    func query(_ name: String) -> String? {
        uri.queryParameters.get(name)
    }
}

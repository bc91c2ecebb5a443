import HTTPTypes
import Logging
import NIOCore
import NimbusCore
import NimbusHTTP

/// `PUT /mode/devices/{deviceId}/event` sent by the device itself, answered on the event loop (`EarlyRoute`):
/// the hottest request of MODE, whose own work is a token lookup and a JSON parse before a wait for the group
/// commit. Through Hummingbird's hand-offs, router and middleware, that request cost 150–170 µs of server CPU;
/// answered here about 110 µs (`Benchmarks/README.md`).
///
/// Only the happy path is taken: the exact path, an `Authorization` token that the credential cache already
/// holds for that very device, a body that is a JSON object with a string `eventType` that passes the use case's
/// check, and `eventData` an object or absent. Anything else is declined and the router answers it as before
/// (the first request of a device with a new token, a form body, a project key, every invalid input), so errors
/// keep their one renderer. What this route does answer reads as the router's would: MODE's CORS fields, the
/// same request metrics, the debug request log, and MODE's error body when the store refuses the event (its
/// device deleted meanwhile).
struct ModeEventEarlyRoute: EarlyRoute {
    static let route = "/mode/devices/{deviceId}/event"
    let authenticator: Authenticator
    let events: EventUseCases
    let metrics = EarlyRouteMetrics(route: route, method: .put)
    let logger: Logger

    func wants(_ head: HTTPRequest) -> Bool {
        head.method == .put && Self.deviceId(in: head.path) != nil && head.headerFields[.authorization] != nil
    }

    /// The id in `/mode/devices/{id}/event` written as plain digits (no query: `?authToken=` goes to the router).
    static func deviceId(in path: String?) -> Int? {
        let prefix = "/mode/devices/", suffix = "/event"
        guard let path, path.hasPrefix(prefix), path.hasSuffix(suffix), path.utf8.count > prefix.utf8.count + suffix.utf8.count else { return nil }
        let digits = path.utf8.dropFirst(prefix.utf8.count).dropLast(suffix.utf8.count)
        guard digits.count <= 18, digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return nil }
        return Int(Substring(digits))
    }

    /// `eventType` and `eventData` of a JSON object body, or `nil` for any body the router should judge.
    static func event(in body: ByteBuffer, contentType: String?) -> (type: String, data: [String: JSONValue])? {
        guard body.readableBytesView.first == UInt8(ascii: "{") else { return nil }
        let text = String(buffer: body)
        guard !RequestFields.isForm(text, contentType: contentType), let value = JSONValue(jsonText: text),
              case .object(let fields) = value, case .string(let type)? = fields["eventType"] else { return nil }
        switch fields["eventData"] {
        case nil, .null?: return (type, [:])
        case .object(let data)?: return (type, data)
        default: return nil
        }
    }

    func answer(_ head: HTTPRequest, body: ByteBuffer, respond: @escaping @Sendable (@escaping @Sendable () -> EarlyResponse) -> Void) -> Bool {
        guard let deviceId = Self.deviceId(in: head.path),
              let token = ModeAuthenticator.token(inAuthorization: head.headerFields[.authorization]),
              case .device(let caller, _)? = authenticator.cachedPrincipal(token: token), caller == deviceId,
              let event = Self.event(in: body, contentType: head.headerFields[.contentType])
        else { return false }
        let start = metrics.started()
        do {
            try events.submitFromDevice(deviceId, eventType: event.type, eventData: event.data) { result in
                // On the thread that made the event durable: only hand over; the response is made on the event loop.
                respond {
                    let response = self.response(to: result)
                    metrics.finished(response.head.status, start: start)
                    if logger.logLevel <= .debug {
                        logger.debug("request", metadata: [
                            "http.method": "PUT", "http.path": "\(head.path ?? "")", "http.status": "\(response.head.status.code)", "http.early": "true",
                        ])
                    }
                    return response
                }
            }
        } catch {
            metrics.abandoned()  // the router counts the request it now gets
            return false
        }
        return true
    }

    private func response(to result: Result<Void, any Error>) -> EarlyResponse {
        var fields = HTTPFields()
        ModeCORSMiddleware.addCORS(to: &fields)
        guard case .failure(let error) = result else { return EarlyResponse(HTTPResponse(status: .noContent, headerFields: fields)) }
        let failure = DialectErrorMiddleware(pathPrefix: ModeDialect.pathPrefix, format: ModeErrorFormat()).failure(for: error, logger: logger)
        fields.append(contentsOf: failure.headers)
        return EarlyResponse(HTTPResponse(status: failure.status, headerFields: fields), body: try? failure.body())
    }
}

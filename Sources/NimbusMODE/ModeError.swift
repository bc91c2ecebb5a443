import Foundation
import Hummingbird
import NimbusCore

/// An error in MODE's format: `{"reason": "CODE", "data": {...}}` with the status MODE uses.
public struct ModeError: HTTPResponseError, Sendable {
    public let status: HTTPResponse.Status
    public let reason: String
    public let data: [String: String]

    public init(_ status: HTTPResponse.Status, _ reason: String, data: [String: String] = [:]) {
        self.status = status
        self.reason = reason
        self.data = data
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        Response(status: status, headers: headers, body: .init(byteBuffer: try body()))
    }

    /// The fields of the error's response.
    var headers: HTTPFields {
        [.contentType: "application/json; charset=utf-8"]
    }

    /// The error's JSON body.
    func body() throws -> ByteBuffer {
        ByteBuffer(bytes: try JSONEncoder().encode(Body(reason: reason, data: data)))
    }

    private struct Body: Encodable {
        let reason: String
        let data: [String: String]
    }

    /// How each core error reads in MODE.
    public init(_ error: NimbusError) {
        switch error {
        case .authenticationRequired: self.init(.unauthorized, "AUTHORIZATION_REQUIRED")
        case .invalidCredential: self.init(.unauthorized, "INVALID_AUTH_TOKEN")
        case .wrongCredentialKind: self.init(.forbidden, "INSUFFICIENT_AUTH")
        case .permissionDenied: self.init(.forbidden, "PERMISSION_DENIED")
        case .notFound(let what): self.init(.notFound, "NOT_FOUND", data: ["resource": what])
        case .invalidInput(let field, let reason): self.init(.forbidden, "INVALID_INPUT", data: ["field": field, "message": reason])
        case .rejected(let rule): self.init(.forbidden, rule.rawValue)
        case .deviceOffline: self.init(.conflict, "DEVICE_OFFLINE")
        case .limitReached(let what, let limit): self.init(.forbidden, "LIMIT_REACHED", data: ["resource": what, "limit": String(limit)])
        case .tooManyAttempts: self.init(.tooManyRequests, "TOO_MANY_ATTEMPTS")
        case .storeFailure: self.init(.internalServerError, "INTERNAL_ERROR")
        }
    }
}

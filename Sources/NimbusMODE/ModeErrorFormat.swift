import HTTPTypes
import Hummingbird
import NimbusCore
import NimbusHTTP

/// How errors read under `/mode`: `{"reason": "CODE", "data": {...}}` with MODE's statuses. A
/// malformed body is MODE's `INVALID_INPUT` on the field `body` (a 403, as MODE answers bad input).
struct ModeErrorFormat: DialectErrorFormat {
    func failure(forOwn error: any Error) -> ModeError? {
        error as? ModeError
    }

    func failure(for error: NimbusError) -> ModeError {
        ModeError(error)
    }

    func failure(forRequestRefusedWith status: HTTPResponse.Status) -> ModeError {
        switch status {
        case .contentTooLarge: ModeError(.contentTooLarge, "REQUEST_TOO_LARGE")
        case .notFound: ModeError(.notFound, "NOT_FOUND")
        case .methodNotAllowed: ModeError(.methodNotAllowed, "METHOD_NOT_ALLOWED")
        case .badRequest: ModeError(.forbidden, "INVALID_INPUT", data: ["field": "body"])
        default: ModeError(status, "INVALID_REQUEST")
        }
    }

    var internalFailure: ModeError { ModeError(.internalServerError, "INTERNAL_ERROR") }
}

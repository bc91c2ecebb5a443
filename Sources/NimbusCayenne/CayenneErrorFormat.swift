import HTTPTypes
import Hummingbird
import NimbusCore
import NimbusHTTP

/// How errors read under `/cayenne`: RFC 6749 §5.2's `{"error", "error_description"}`, with OAuth
/// errors in their own codes and a `WWW-Authenticate` challenge on 401s.
struct CayenneErrorFormat: DialectErrorFormat {
    func failure(forOwn error: any Error) -> CayenneError? {
        switch error {
        case let error as CayenneError: error
        case let error as OAuthError: CayenneError(error)
        default: nil
        }
    }

    func failure(for error: NimbusError) -> CayenneError {
        CayenneError(error)
    }

    func failure(forRequestRefusedWith status: HTTPResponse.Status) -> CayenneError {
        switch status {
        case .notFound: CayenneError(.notFound, "not_found", "no such path")
        case .methodNotAllowed: CayenneError(.methodNotAllowed, "invalid_request", "method not allowed")
        case .contentTooLarge: CayenneError(.contentTooLarge, "invalid_request", "the request body is too large")
        default: CayenneError(.badRequest, "invalid_request", "the request is malformed")
        }
    }

    var internalFailure: CayenneError { CayenneError(.internalServerError, "server_error", "internal error") }
}

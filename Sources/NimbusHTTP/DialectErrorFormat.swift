import HTTPTypes
import Hummingbird
import NimbusCore

/// How one dialect words its errors. `DialectErrorMiddleware` decides which kind of error it has (the
/// dialect's own, a core error, a refusal of the router or the body reader, or something unexpected)
/// and logs what must be logged; the format only says how each kind reads on the wire, so a new
/// dialect writes this and nothing else to get complete, consistent error answers under its prefix.
public protocol DialectErrorFormat: Sendable {
    /// The dialect's error: a complete response body and status.
    associatedtype Failure: HTTPResponseError

    /// An error already in the dialect's terms (its own error type, or a protocol error it speaks, such
    /// as OAuth's), or `nil` for any other error.
    func failure(forOwn error: any Error) -> Failure?

    /// How a core error reads in the dialect.
    func failure(for error: NimbusError) -> Failure

    /// A request refused before a handler answered it, by status below 500: an unknown path (404), a
    /// method the path does not take (405), a body over the limit (413), a malformed request (400).
    func failure(forRequestRefusedWith status: HTTPResponse.Status) -> Failure

    /// What the client sees of an unexpected error; its details are only logged.
    var internalFailure: Failure { get }
}

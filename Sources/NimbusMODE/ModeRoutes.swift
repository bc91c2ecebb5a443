import Hummingbird
import NimbusCore
import NimbusHTTP

/// Where a controller adds its routes: `open` for the few endpoints that anyone may call (sign-up,
/// sign-in, device self-provisioning), `credentialed` for all others. The credentialed group refuses
/// a caller without a credential before the request body is read or any id is looked up, so an
/// anonymous caller learns nothing about what exists.
struct ModeRoutes {
    let open: RouterGroup<NimbusRequestContext>
    let credentialed: RouterGroup<NimbusRequestContext>
}

/// Refuses requests that carry no credential.
struct ModeRequireCredential: RouterMiddleware {
    typealias Context = NimbusRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if case .anonymous = context.principal { throw NimbusError.authenticationRequired }
        return try await next(request, context)
    }
}

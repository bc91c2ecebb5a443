import Foundation
import Hummingbird
import NimbusCore
import NimbusHTTP

/// `/applications`: a project's OAuth clients, managed with a project key that has `admin`.
struct CayenneApplicationsController {
    let applications: ApplicationUseCases

    func addRoutes(to group: RouterGroup<NimbusRequestContext>) {
        group.get("applications", use: list)
        group.post("applications", use: create)
        group.get("applications/:id", use: get)
        group.put("applications/:id", use: update)
        group.get("applications/:id/redirects", use: redirects)
        group.post("applications/:id/redirects", use: addRedirect)
    }

    func list(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let raw = request.uri.queryParameters.get("status") ?? App.Status.active.rawValue
        guard let status = App.Status(rawValue: raw) else {
            throw NimbusError.invalidInput(field: "status", reason: "must be active, inactive or blocked")
        }
        let apps = try await applications.list(status: status, by: context.principal)
        return CayenneResponse.json(.array(apps.map { .object(CayenneWire.application($0)) }))
    }

    func create(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let fields = try await RequestFields.read(request, context: context)
        let (app, redirects, secret) = try await applications.create(
            projectId: nil,
            .init(
                name: try fields.requiredString("name"), description: try fields.string("description") ?? "",
                confidential: try fields.bool("confidential") ?? true, allowsSignUp: try fields.bool("allow_signup") ?? false,
                redirectURIs: try Self.strings(fields, "redirect_uris")),
            by: context.principal)
        return CayenneResponse.json(CayenneWire.application(app, redirects: redirects, secret: secret), status: .created)
    }

    func get(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let (app, redirects) = try await applications.get(try Self.appId(context), by: context.principal)
        return CayenneResponse.json(CayenneWire.application(app, redirects: redirects))
    }

    func update(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let fields = try await RequestFields.read(request, context: context)
        let status = try fields.string("status").map { raw in
            guard let status = App.Status(rawValue: raw) else { throw NimbusError.invalidInput(field: "status", reason: "must be active, inactive or blocked") }
            return status
        }
        let app = try await applications.update(
            try Self.appId(context),
            .init(name: try fields.string("name"), description: try fields.string("description"), status: status, allowsSignUp: try fields.bool("allow_signup")),
            by: context.principal)
        return CayenneResponse.json(CayenneWire.application(app))
    }

    func redirects(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let (_, redirects) = try await applications.get(try Self.appId(context), by: context.principal)
        return CayenneResponse.json(.array(redirects.map(CayenneWire.redirect)))
    }

    func addRedirect(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let fields = try await RequestFields.read(request, context: context)
        let redirect = try await applications.addRedirect(
            appId: try Self.appId(context), uri: try fields.requiredString("redirect_uri"), by: context.principal)
        return CayenneResponse.json(CayenneWire.redirect(redirect), status: .created)
    }

    static func appId(_ context: NimbusRequestContext) throws -> String {
        guard let id = context.parameters.get("id") else { throw NimbusError.notFound("application") }
        return id
    }

    /// A list of strings: a JSON array, or in a form one value (or JSON array text).
    static func strings(_ fields: RequestFields, _ key: String) throws -> [String] {
        switch fields.anyValue(key) {
        case nil: return []
        case .string(let one)?: return [one]
        case .array(let values)?:
            return try values.map { value in
                guard case .string(let text) = value else { throw NimbusError.invalidInput(field: key, reason: "must be a list of strings") }
                return text
            }
        default: throw NimbusError.invalidInput(field: key, reason: "must be a list of strings")
        }
    }
}

import Foundation

/// Applications (OAuth clients) of a project: made by the operator (admin CLI) or by the project's
/// backend with a project key that has the `admin` permission.
public struct ApplicationUseCases: Sendable {
    let environment: CoreEnvironment
    var store: any Store { environment.store }

    /// What a new app is made with.
    public struct NewApp: Sendable {
        public var id: String?
        public var name: String
        public var description: String
        public var confidential: Bool
        public var allowsSignUp: Bool
        public var redirectURIs: [String]

        public init(id: String? = nil, name: String, description: String = "", confidential: Bool, allowsSignUp: Bool, redirectURIs: [String]) {
            self.id = id
            self.name = name
            self.description = description
            self.confidential = confidential
            self.allowsSignUp = allowsSignUp
            self.redirectURIs = redirectURIs
        }
    }

    /// Changes to an app; `nil` leaves a field as it is.
    public struct AppChanges: Sendable {
        public var name: String?
        public var description: String?
        public var status: App.Status?
        public var allowsSignUp: Bool?

        public init(name: String? = nil, description: String? = nil, status: App.Status? = nil, allowsSignUp: Bool? = nil) {
            self.name = name
            self.description = description
            self.status = status
            self.allowsSignUp = allowsSignUp
        }
    }

    /// Creates an app; a confidential app's secret is returned only now.
    public func create(projectId: Int?, _ new: NewApp, by principal: Principal) async throws -> (app: App, redirects: [AppRedirect], secret: String?) {
        let projectId = try Self.project(of: principal, asked: projectId)
        let id = try new.id.map { try Validation.identifier($0, field: "id") } ?? UUID().uuidString.lowercased()
        let name = try Validation.text(new.name, field: "name")
        let description = try Validation.text(new.description, field: "description", maxLength: 1024, allowEmpty: true)
        let uris = try new.redirectURIs.map(Self.redirectURI)
        let secret = new.confidential ? Secrets.token(prefix: Authenticator.TokenPrefix.clientSecret) : nil
        let now = environment.clock.now()
        let app = App(
            id: id, projectId: projectId, name: name, description: description, clientSecretHash: secret.map(Secrets.hash),
            allowsSignUp: new.allowsSignUp, creationTime: now)
        let redirects = Array(Set(uris)).sorted().map { AppRedirect(id: UUID().uuidString.lowercased(), appId: id, uri: $0, creationTime: now) }
        try await store.write { tx in
            guard try await tx.projects.get(id: projectId) != nil else { throw NimbusError.notFound("project") }
            guard try await tx.projects.app(id: id) == nil else { throw NimbusError.rejected(.alreadyExists) }
            try await tx.projects.insertApp(app)
            for redirect in redirects { try await tx.projects.insertRedirect(redirect) }
        }
        return (app, redirects, secret)
    }

    public func list(status: App.Status, by principal: Principal) async throws -> [App] {
        let projectId = try Self.project(of: principal, asked: nil)
        return try await store.read { try await $0.projects.apps(projectId: projectId, status: status) }
    }

    public func get(_ id: String, by principal: Principal) async throws -> (app: App, redirects: [AppRedirect]) {
        try await store.read { tx in
            let app = try await self.ownApp(id, by: principal, in: tx)
            return (app, try await tx.projects.redirects(appId: id))
        }
    }

    public func update(_ id: String, _ changes: AppChanges, by principal: Principal) async throws -> App {
        let name = try changes.name.map { try Validation.text($0, field: "name") }
        let description = try changes.description.map { try Validation.text($0, field: "description", maxLength: 1024, allowEmpty: true) }
        let now = environment.clock.now()
        let app = try await store.write { tx in
            var app = try await self.ownApp(id, by: principal, in: tx)
            if let name { app.name = name }
            if let description { app.description = description }
            if let status = changes.status { app.status = status }
            if let allowsSignUp = changes.allowsSignUp { app.allowsSignUp = allowsSignUp }
            app.updateTime = now
            try await tx.projects.updateApp(app)
            return app
        }
        // An app that is no longer active loses its client tokens at once, not when the cache expires.
        if app.status != .active { environment.revoke(.client(appId: app.id)) }
        return app
    }

    /// Registers one more redirect URI; registering one twice returns the existing registration.
    public func addRedirect(appId: String, uri: String, by principal: Principal) async throws -> AppRedirect {
        let uri = try Self.redirectURI(uri)
        let now = environment.clock.now()
        return try await store.write { tx in
            _ = try await self.ownApp(appId, by: principal, in: tx)
            try await tx.projects.serialize(on: "redirect:\(appId)")
            if let existing = try await tx.projects.redirects(appId: appId).first(where: { $0.uri == uri }) { return existing }
            let redirect = AppRedirect(id: UUID().uuidString.lowercased(), appId: appId, uri: uri, creationTime: now)
            try await tx.projects.insertRedirect(redirect)
            return redirect
        }
    }

    func ownApp(_ id: String, by principal: Principal, in tx: any StoreTransaction) async throws -> App {
        let projectId = try Self.managedProject(of: principal, asked: nil)
        guard let app = try await tx.projects.app(id: id), projectId == nil || app.projectId == projectId else {
            throw NimbusError.notFound("application")
        }
        return app
    }

    /// The project a caller manages apps of: `asked`, which a project key (with `admin`) may give only
    /// as its own; the operator may manage any. `nil` only for the operator asking for none.
    static func managedProject(of principal: Principal, asked: Int?) throws -> Int? {
        if case .system = principal { return asked }
        let key = try AccessPolicy.requireKey(principal, .admin)
        guard asked == nil || asked == key.projectId else { throw NimbusError.permissionDenied }
        return key.projectId
    }

    /// The same, where a project is needed.
    static func project(of principal: Principal, asked: Int?) throws -> Int {
        try Validation.required(try managedProject(of: principal, asked: asked), "project")
    }

    /// An absolute URI without a fragment (RFC 6749 §3.1.2): `https://…`, `http://…` or an app's own scheme.
    static func redirectURI(_ raw: String) throws -> String {
        let uri = raw.trimmingCharacters(in: .whitespaces)
        guard uri.utf8.count <= 2048, let url = URL(string: uri), let scheme = url.scheme, !scheme.isEmpty, url.fragment == nil,
            !uri.contains("#"), ["http", "https"].contains(scheme.lowercased()) ? url.host != nil : true
        else { throw NimbusError.invalidInput(field: "redirect_uri", reason: "must be an absolute URI without a fragment") }
        return uri
    }
}

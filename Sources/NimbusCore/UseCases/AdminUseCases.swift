import Foundation

/// What the operator does through the admin CLI: create projects, apps, keys, device classes,
/// devices and smart modules. Only the `system` principal may call these.
public struct AdminUseCases: Sendable {
    let environment: CoreEnvironment
    var store: any Store { environment.store }

    public func createProject(name: String, accountMode: Project.AccountMode, provisioning: Project.Provisioning, by principal: Principal) async throws -> Project {
        try AccessPolicy.requireSystem(principal)
        let name = try Validation.text(name, field: "name")
        let now = environment.clock.now()
        return try await store.write { tx in try await tx.projects.insert(name: name, accountMode: accountMode, provisioning: provisioning, at: now) }
    }

    /// The project named `name` (the oldest of that name) with its public app `<appPrefix>-<project id>`, sign-up
    /// allowed, through which a dialect signs the project's users in; both are made when missing, in one transaction
    /// that servers starting at once on one database take in turn (`ProjectRepository.serialize`), so there is one of
    /// each. A dialect that serves one project (WiFi Motion, the console) calls it at start.
    /// - Throws: when the project does not use email accounts.
    public func ensureEmailProject(named name: String, appPrefix: String, by principal: Principal) async throws -> (project: Project, app: App) {
        try AccessPolicy.requireSystem(principal)
        let name = try Validation.text(name, field: "name")
        let now = environment.clock.now()
        return try await store.write { tx in
            try await tx.projects.serialize(on: "project:\(name)")
            let project: Project
            if let found = try await tx.projects.find(name: name) {
                project = found
            } else {
                project = try await tx.projects.insert(name: name, accountMode: .email, provisioning: .claim, at: now)
            }
            guard project.accountMode == .email else {
                throw NimbusError.invalidInput(field: "project", reason: "project \"\(name)\" does not use email accounts")
            }
            let appId = "\(appPrefix)-\(project.id)"
            if let app = try await tx.projects.app(id: appId) { return (project, app) }
            let app = App(
                id: appId, projectId: project.id, name: appPrefix, description: "", clientSecretHash: nil, allowsSignUp: true, creationTime: now)
            try await tx.projects.insertApp(app)
            return (project, app)
        }
    }

    /// Creates an app; see `ApplicationUseCases.create`.
    public func createApp(
        projectId: Int, id: String, name: String?, redirectURIs: [String] = [], confidential: Bool = false, allowsSignUp: Bool = false,
        by principal: Principal
    ) async throws -> (app: App, redirects: [AppRedirect], secret: String?) {
        try AccessPolicy.requireSystem(principal)
        return try await ApplicationUseCases(environment: environment).create(
            projectId: projectId,
            .init(id: id, name: name ?? id, confidential: confidential, allowsSignUp: allowsSignUp, redirectURIs: redirectURIs),
            by: principal)
    }

    /// Creates a project key; the key itself is returned only now.
    public func createKey(projectId: Int, name: String, permissions: Set<ProjectKey.Permission>, by principal: Principal) async throws -> (key: ProjectKey, secret: String) {
        try AccessPolicy.requireSystem(principal)
        let name = try Validation.text(name, field: "name")
        let secret = Secrets.token(prefix: Authenticator.TokenPrefix.projectKey)
        let now = environment.clock.now()
        let key = try await store.write { tx in
            guard try await tx.projects.get(id: projectId) != nil else { throw NimbusError.notFound("project") }
            return try await tx.projects.insertKey(projectId: projectId, name: name, permissions: permissions, keyHash: Secrets.hash(secret), at: now)
        }
        return (key, secret)
    }

    public func createDeviceClass(projectId: Int, id: String, name: String?, by principal: Principal) async throws -> DeviceClass {
        try AccessPolicy.requireSystem(principal)
        let id = try Validation.identifier(id, field: "id")
        let deviceClass = DeviceClass(id: id, projectId: projectId, name: try Validation.text(name ?? id, field: "name"), creationTime: environment.clock.now())
        try await store.write { tx in
            guard try await tx.projects.get(id: projectId) != nil else { throw NimbusError.notFound("project") }
            guard try await tx.projects.deviceClass(projectId: projectId, id: id) == nil else { throw NimbusError.rejected(.alreadyExists) }
            try await tx.projects.insertDeviceClass(deviceClass)
        }
        return deviceClass
    }

    /// Makes a pre-provisioned device with its API key and claim code (both returned only now).
    public func createDevice(projectId: Int, deviceClass: String, tag: String?, name: String?, by principal: Principal) async throws -> IssuedDevice {
        try AccessPolicy.requireSystem(principal)
        let apiKey = Secrets.token(prefix: Authenticator.TokenPrefix.device)
        let claimCode = Secrets.claimCode()
        let now = environment.clock.now()
        let tag = try Validation.text(tag ?? "", field: "tag", allowEmpty: true)
        let name = try Validation.text(name ?? "", field: "name", allowEmpty: true)
        let device = try await store.write { tx in
            guard try await tx.projects.get(id: projectId) != nil else { throw NimbusError.notFound("project") }
            guard try await tx.projects.deviceClass(projectId: projectId, id: deviceClass) != nil else { throw NimbusError.rejected(.unknownDeviceClass) }
            return try await tx.devices.insert(Device(
                id: 0, uuid: UUID(), projectId: projectId, deviceClass: deviceClass, name: name, tag: tag, homeId: nil,
                apiKeyHash: Secrets.hash(apiKey), claimCodeHash: Secrets.hash(Secrets.normalizedClaimCode(claimCode)),
                claimTime: nil, claimExpirationTime: nil, isConnected: false, lastConnectTime: nil, lastDisconnectTime: nil, creationTime: now))
        }
        return IssuedDevice(device: device, apiKey: apiKey, claimCode: claimCode)
    }

    /// Defines (or with `templates` nil removes) the rule templates of a thing type for an app of the project (`RuleUseCases`
    /// serves them); `.system` only.
    public func setRuleTemplates(projectId: Int, thingTypeId: String, appId: String, templates: JSONValue?, by principal: Principal) async throws {
        try AccessPolicy.requireSystem(principal)
        let type = try Validation.text(thingTypeId, field: "thing-type", maxLength: 64)
        let app = try Validation.text(appId, field: "app", maxLength: 128)
        var json: String?
        if let templates {
            guard case .array(let items) = templates, items.count <= RuleUseCases.maximumTemplates, items.allSatisfy({ if case .object = $0 { true } else { false } })
            else { throw NimbusError.invalidInput(field: "templates", reason: "a JSON array of at most \(RuleUseCases.maximumTemplates) objects") }
            json = templates.jsonText
            guard json!.utf8.count <= RuleUseCases.maximumTemplateBytes else {
                throw NimbusError.invalidInput(field: "templates", reason: "at most \(RuleUseCases.maximumTemplateBytes) bytes")
            }
        }
        let now = environment.clock.now()
        try await store.write { [json] tx in
            guard try await tx.projects.get(id: projectId) != nil else { throw NimbusError.notFound("project") }
            try await tx.rules.setTemplates(projectId: projectId, thingTypeId: type, appId: app, json: json, at: now)
        }
    }

    public func createSmartModule(
        projectId: Int, id: String, moduleType: String, description: String?, subscribedEvents: [String],
        configData: [String: JSONValue], by principal: Principal
    ) async throws -> SmartModule {
        try AccessPolicy.requireSystem(principal)
        let id = try Validation.identifier(id, field: "id")
        if moduleType == SmartModule.webhooksType {
            guard case .string(let url)? = configData["url"], let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme ?? "") else {
                throw NimbusError.invalidInput(field: "url", reason: "an http or https URL is required")
            }
            guard case .string(let key)? = configData["key"], !key.isEmpty else { throw NimbusError.invalidInput(field: "key", reason: "required") }
        }
        let module = SmartModule(
            id: id, projectId: projectId, moduleType: moduleType, description: description ?? "", suspended: false,
            subscribedEvents: subscribedEvents.isEmpty ? ["*"] : subscribedEvents, configData: configData, creationTime: environment.clock.now())
        try await store.write { tx in
            guard try await tx.projects.get(id: projectId) != nil else { throw NimbusError.notFound("project") }
            guard try await tx.smartModules.get(projectId: projectId, id: id) == nil else { throw NimbusError.rejected(.alreadyExists) }
            try await tx.smartModules.insert(module)
        }
        return module
    }

    /// Sets how long a project keeps its raw readings and minute rollups (`nil`: for ever); the next retention pass
    /// applies it. Minute rollups are kept at least as long as the readings.
    public func setReadingRetention(projectId: Int, readingDays: Int?, minuteRollupDays: Int?, by principal: Principal) async throws -> ReadingRetention {
        try AccessPolicy.requireSystem(principal)
        for (field, days) in [("readingDays", readingDays), ("minuteRollupDays", minuteRollupDays)] {
            if let days, !(1...ReadingRetention.maximumDays).contains(days) {
                throw NimbusError.invalidInput(field: field, reason: "1 to \(ReadingRetention.maximumDays) days, or none to keep everything")
            }
        }
        if let minutes = minuteRollupDays, minutes < readingDays ?? Int.max {
            throw NimbusError.invalidInput(field: "minuteRollupDays", reason: "minute rollups are kept at least as long as the readings")
        }
        let retention = ReadingRetention(projectId: projectId, readingDays: readingDays, minuteRollupDays: minuteRollupDays)
        try await store.write { tx in
            guard try await tx.projects.get(id: projectId) != nil else { throw NimbusError.notFound("project") }
            try await tx.readings.setRetention(retention)
        }
        return retention
    }

    /// Adds a new ES256 key for access tokens. Servers sign with the newest key from their next start;
    /// older keys keep verifying, so tokens already issued stay valid until they expire.
    public func addSigningKey(by principal: Principal) async throws -> SigningKey {
        try AccessPolicy.requireSystem(principal)
        let key = SigningKeyRing.generate(at: environment.clock.now())
        try await store.write { tx in try await tx.oauth.insertSigningKey(key) }
        return key
    }
}

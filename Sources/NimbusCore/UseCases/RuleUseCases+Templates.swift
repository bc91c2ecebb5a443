import Foundation

/// Rule templates: ready-made rules an administrator defines per thing type and app (`nimbus rule-template`), which the
/// sample app reads to offer alerts for a new device (`GET /v1.0/applicationRule/{deviceTypeId}/{appId}`), fills in
/// with the device's ids and the user's email, and posts back as rules (`cayenne-clients.md` §5.2, R1–R2).
extension RuleUseCases {
    /// The most templates of one thing type and app, and the bytes of their JSON text.
    public static let maximumTemplates = 100
    public static let maximumTemplateBytes = 256 * 1024

    /// The templates of a thing type for an app of the caller's project, as the administrator wrote them; an empty array
    /// when there are none (the sample app iterates over the answer).
    public func templates(thingTypeId: String, appId: String, by principal: Principal) async throws -> JSONValue {
        let projectId: Int
        switch principal {
        case .user(_, let project, _, _), .projectKey(_, let project, _, _), .client(_, let project): projectId = project
        case .anonymous: throw NimbusError.authenticationRequired
        case .device, .system: throw NimbusError.wrongCredentialKind
        }
        let text = try await store.read { tx in try await tx.rules.templates(projectId: projectId, thingTypeId: thingTypeId, appId: appId) }
        return text.flatMap { JSONValue(jsonText: $0) } ?? .array([])
    }
}

/// Who is calling a use case. Every use case takes one and decides from it alone what is allowed.
public enum Principal: Sendable, Hashable {
    /// A signed-in end user, through one of their sessions.
    case user(userId: Int, projectId: Int, sessionId: Int, appId: String?)
    /// A device, through its API key.
    case device(deviceId: Int, projectId: Int)
    /// A project's backend, through a project API key.
    case projectKey(keyId: Int, projectId: Int, name: String, permissions: Set<ProjectKey.Permission>)
    /// An OAuth client acting for itself (a client-credentials access token), not for a user.
    case client(appId: String, projectId: Int)
    /// Nimbus itself: the admin CLI and internal jobs. Not reachable from any network API.
    case system
    /// No credential was presented.
    case anonymous

    /// The project the caller belongs to, if it belongs to one.
    public var projectId: Int? {
        switch self {
        case .user(_, let projectId, _, _), .device(_, let projectId), .projectKey(_, let projectId, _, _),
            .client(_, let projectId): projectId
        case .system, .anonymous: nil
        }
    }
}

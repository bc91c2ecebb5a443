/// Who is calling a use case. Every use case takes one and decides from it alone what is allowed.
public enum Principal: Sendable, Hashable {
    /// A signed-in end user, through one of their sessions.
    case user(userId: Int, projectId: Int, sessionId: Int, appId: String?)
    /// A device, through its API key.
    case device(deviceId: Int, projectId: Int)
    /// A project's backend, through a project API key.
    case projectKey(keyId: Int, projectId: Int, name: String, permissions: Set<ProjectKey.Permission>)
    /// Nimbus itself: the admin CLI and internal jobs. Not reachable from any network API.
    case system
    /// No credential was presented.
    case anonymous

    /// The project the caller belongs to, if it belongs to one.
    public var projectId: Int? {
        switch self {
        case .user(_, let projectId, _, _), .device(_, let projectId), .projectKey(_, let projectId, _, _): projectId
        case .system, .anonymous: nil
        }
    }
}

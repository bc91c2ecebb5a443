/// Turns a presented credential into a `Principal`.
public struct Authenticator: Sendable {
    /// Prefixes of the tokens Nimbus issues; they let one lookup find the right table.
    public enum TokenPrefix {
        public static let session = "v1.u."
        public static let device = "v1.d."
        public static let projectKey = "v1.k."
        public static let provisioning = "v1.p."
    }

    let environment: CoreEnvironment

    /// The principal for a token; throws `invalidCredential` when the token is unknown or revoked.
    /// Tokens found valid are remembered for a while (see `CredentialCache`).
    public func authenticate(token: String) async throws -> Principal {
        let hash = Secrets.hash(token)
        let cache = environment.credentials
        if let principal = cache.principal(tokenHash: hash) { return principal }
        let generation = cache.generation
        let principal: Principal? = try await environment.store.read { tx in
            if token.hasPrefix(TokenPrefix.session), let session = try await tx.sessions.find(tokenHash: hash) {
                return .user(userId: session.userId, projectId: session.projectId, sessionId: session.id, appId: session.appId)
            }
            if token.hasPrefix(TokenPrefix.device), let device = try await tx.devices.find(apiKeyHash: hash) {
                return .device(deviceId: device.id, projectId: device.projectId)
            }
            if token.hasPrefix(TokenPrefix.projectKey), let key = try await tx.projects.key(hash: hash) {
                return .projectKey(keyId: key.id, projectId: key.projectId, name: key.name, permissions: key.permissions)
            }
            return nil
        }
        guard let principal else { throw NimbusError.invalidCredential }
        cache.remember(principal, tokenHash: hash, foundAt: generation)
        return principal
    }
}

import Foundation

/// Projects, their apps, API keys and device classes.
public protocol ProjectRepository: Sendable {
    func insert(name: String, accountMode: Project.AccountMode, provisioning: Project.Provisioning, at time: Date) async throws -> Project
    func get(id: Int) async throws -> Project?
    func insertApp(_ app: App) async throws
    func app(id: String) async throws -> App?
    func updateApp(_ app: App) async throws
    func apps(projectId: Int, status: App.Status) async throws -> [App]
    func insertRedirect(_ redirect: AppRedirect) async throws
    func redirects(appId: String) async throws -> [AppRedirect]
    func insertKey(projectId: Int, name: String, permissions: Set<ProjectKey.Permission>, keyHash: String, at time: Date) async throws -> ProjectKey
    func key(hash: String) async throws -> ProjectKey?
    func insertDeviceClass(_ deviceClass: DeviceClass) async throws
    func deviceClass(projectId: Int, id: String) async throws -> DeviceClass?
}

/// End users and the single-use tokens sent to them.
public protocol UserRepository: Sendable {
    /// Inserts a user; `user.id` is ignored and the stored user is returned.
    func insert(_ user: User) async throws -> User
    func get(id: Int) async throws -> User?
    func find(projectId: Int, email: String) async throws -> User?
    func find(projectId: Int, phoneNumber: String) async throws -> User?
    /// Users of any project with this address (a few at most), oldest first.
    func find(email: String) async throws -> [User]
    func update(_ user: User) async throws
    func delete(id: Int) async throws
    func list(projectId: Int, search: String?, page: PageRequest) async throws -> Page<User>
    func insertToken(userId: Int, purpose: UserToken.Purpose, secretHash: String, expirationTime: Date) async throws
    func token(purpose: UserToken.Purpose, secretHash: String) async throws -> UserToken?
    /// The newest unused token of that purpose for the user.
    func latestToken(userId: Int, purpose: UserToken.Purpose) async throws -> UserToken?
    /// The wrong attempts at the user's tokens of that purpose that expire after `time`, used or not.
    func failedAttempts(userId: Int, purpose: UserToken.Purpose, expiringAfter time: Date) async throws -> Int
    func updateToken(_ token: UserToken) async throws
}

/// User sessions.
public protocol SessionRepository: Sendable {
    func insert(userId: Int, projectId: Int, appId: String?, tokenHash: String, at time: Date) async throws -> Session
    func find(tokenHash: String) async throws -> Session?
    func find(id: Int) async throws -> Session?
    func delete(id: Int) async throws
    /// Deletes every session of the user but `kept` and returns their ids.
    func deleteAll(userId: Int, except kept: Int?) async throws -> [Int]
}

/// What the OAuth authorization server keeps: signing keys, authorization codes, refresh tokens and
/// revoked client tokens.
public protocol OAuthRepository: Sendable {
    func signingKeys() async throws -> [SigningKey]
    func insertSigningKey(_ key: SigningKey) async throws
    func insertCode(_ code: AuthorizationCode) async throws
    func code(hash: String) async throws -> AuthorizationCode?
    /// Marks a code used; returns false when it already was (another exchange won the race).
    func useCode(hash: String) async throws -> Bool
    func insertRefreshToken(sessionId: Int, appId: String, scope: String, tokenHash: String, expirationTime: Date) async throws
    func refreshToken(hash: String) async throws -> RefreshToken?
    /// Marks a refresh token used; returns false when it already was.
    func useRefreshToken(id: Int) async throws -> Bool
    func revokeToken(jti: String, expirationTime: Date) async throws
    func isRevoked(jti: String) async throws -> Bool
}

/// Homes and their members.
public protocol HomeRepository: Sendable {
    func insert(projectId: Int, name: String, at time: Date) async throws -> Home
    func get(id: Int) async throws -> Home?
    func update(_ home: Home) async throws
    func delete(id: Int) async throws
    func list(projectId: Int, page: PageRequest) async throws -> Page<Home>
    func list(memberUserId: Int, page: PageRequest) async throws -> Page<Home>
    func addMember(homeId: Int, userId: Int, role: HomeMember.Role, at time: Date) async throws
    func member(homeId: Int, userId: Int) async throws -> HomeMember?
    func members(homeId: Int, page: PageRequest) async throws -> Page<HomeMember>
    func memberUserIds(homeId: Int) async throws -> [Int]
    func ownerCount(homeId: Int) async throws -> Int
    func setRole(homeId: Int, userId: Int, role: HomeMember.Role) async throws
    func removeMember(homeId: Int, userId: Int) async throws
    /// Sets a member's account role and permission overrides.
    func setPermissions(homeId: Int, userId: Int, roleId: Int?, overrides: Permissions) async throws
    func insertRole(homeId: Int, name: String, permissions: Permissions, at time: Date) async throws -> AccountRole
    func role(id: Int) async throws -> AccountRole?
    func roles(homeId: Int) async throws -> [AccountRole]
}

/// Key-value pairs of homes and devices.
public protocol KeyValueRepository: Sendable {
    func get(_ scope: KeyValueScope, key: String) async throws -> KeyValuePair?
    func list(_ scope: KeyValueScope, keyPrefix: String?) async throws -> [KeyValuePair]
    /// Creates or replaces the pair and returns it with its new revision.
    func put(_ scope: KeyValueScope, key: String, value: JSONValue, at time: Date) async throws -> KeyValuePair
    /// Deletes the pair; returns the revision of the deletion, or `nil` when there was no such key.
    func delete(_ scope: KeyValueScope, key: String) async throws -> Int?
    /// The store-wide revision now: the revision of the latest change to any pair.
    func currentRevision() async throws -> Int
}

/// Devices and provisioning tokens.
public protocol DeviceRepository: Sendable {
    /// Inserts a device; `device.id` is ignored and the stored device is returned.
    func insert(_ device: Device) async throws -> Device
    func get(id: Int) async throws -> Device?
    /// The devices of these ids that exist, in no particular order.
    func get(ids: [Int]) async throws -> [Device]
    func find(apiKeyHash: String) async throws -> Device?
    func find(projectId: Int, claimCodeHash: String) async throws -> Device?
    func update(_ device: Device) async throws
    func delete(id: Int) async throws
    func list(projectId: Int, homeId: Int?, page: PageRequest) async throws -> Page<Device>
    func setConnected(id: Int, connected: Bool, at time: Date) async throws
    /// Marks every device disconnected: after a restart no connection is left.
    func resetConnections(at time: Date) async throws
    func insertProvisioningToken(_ token: ProvisioningToken) async throws
    func provisioningToken(hash: String) async throws -> ProvisioningToken?
    func markProvisioningTokenUsed(id: Int) async throws
}

/// The event history.
public protocol EventRepository: Sendable {
    /// Stores the events in order and returns them with their ids.
    func append(_ events: [NewEvent]) async throws -> [Event]
    func recent(homeId: Int, limit: Int) async throws -> [Event]
}

/// Smart modules of projects.
public protocol SmartModuleRepository: Sendable {
    func insert(_ module: SmartModule) async throws
    func get(projectId: Int, id: String) async throws -> SmartModule?
    func list(projectId: Int) async throws -> [SmartModule]
}

/// The durable outbox of messages to the outside world.
public protocol OutboxRepository: Sendable {
    func enqueue(kind: OutboxMessage.Kind, payload: JSONValue, at time: Date) async throws
    /// Messages whose next attempt is due, oldest first.
    func due(at time: Date, limit: Int) async throws -> [OutboxMessage]
    func complete(id: Int) async throws
    func reschedule(id: Int, attempts: Int, nextAttemptTime: Date, lastError: String) async throws
    func abandon(id: Int, lastError: String) async throws
    /// How many messages went to this target (a hashed address) since `time`; the log outlives the
    /// outbox rows, which are deleted once sent.
    func messageCount(target: String, since time: Date) async throws -> Int
    /// Logs a message to the target, and forgets entries older than `cutoff`.
    func logMessage(target: String, at time: Date, forgettingBefore cutoff: Date) async throws
}

extension SessionRepository {
    /// Deletes every session of the user and returns their ids.
    public func deleteAll(userId: Int) async throws -> [Int] {
        try await deleteAll(userId: userId, except: nil)
    }
}

extension OutboxRepository {
    /// Enqueues a typed message under its own kind.
    public func enqueue(_ message: some OutboxPayload, at time: Date) async throws {
        try await enqueue(kind: type(of: message).kind, payload: message.payload, at: time)
    }
}

import Foundation

/// Projects, their apps, API keys and device classes.
public protocol ProjectRepository: Sendable {
    func insert(name: String, accountMode: Project.AccountMode, provisioning: Project.Provisioning, at time: Date) async throws -> Project
    func get(id: Int) async throws -> Project?
    /// The oldest project of that name.
    func find(name: String) async throws -> Project?
    /// Holds a lock on `key` until the transaction ends, so that transactions that look for something and make it when
    /// it is missing (the project a dialect serves, its app, an app's redirect) run one after the other, however many
    /// servers share the database: PostgreSQL takes a transaction-scoped advisory lock on the key's hash; SQLite runs
    /// one write transaction at a time anyway.
    func serialize(on key: String) async throws
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

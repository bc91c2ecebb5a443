import Foundation
import NimbusCore
import SQLKit

struct SQLProjectRepository: ProjectRepository {
    let db: any SQLDatabase
    let backend: SQLBackend

    func serialize(on key: String) async throws {
        guard backend == .postgres else { return }
        try await db.raw("SELECT pg_advisory_xact_lock(hashtext(\(bind: "nimbus:" + key))) AS locked").run()
    }

    func insert(name: String, accountMode: Project.AccountMode, provisioning: Project.Provisioning, at time: Date) async throws -> Project {
        let id = try await db.insertReturningId("""
            INSERT INTO projects (name, account_mode, provisioning, creation_time)
            VALUES (\(bind: name), \(bind: accountMode.rawValue), \(bind: provisioning.rawValue), \(bind: time))
            """)
        return Project(id: id, name: name, accountMode: accountMode, provisioning: provisioning, creationTime: time)
    }

    func get(id: Int) async throws -> Project? {
        try await db.raw("SELECT * FROM projects WHERE id = \(bind: id)").first().map(Self.project)
    }

    func find(name: String) async throws -> Project? {
        try await db.raw("SELECT * FROM projects WHERE name = \(bind: name) ORDER BY id LIMIT 1").first().map(Self.project)
    }

    private static func project(_ row: any SQLRow) throws -> Project {
        let id: Int = try row.column("id")
        guard let mode = Project.AccountMode(rawValue: try row.column("account_mode")),
            let provisioning = Project.Provisioning(rawValue: try row.column("provisioning"))
        else { throw StoreError.unexpectedRow("project \(id)") }
        return Project(id: id, name: try row.column("name"), accountMode: mode, provisioning: provisioning, creationTime: try row.column("creation_time"))
    }

    func insertApp(_ app: App) async throws {
        try await db.raw("""
            INSERT INTO apps (id, project_id, name, description, status, client_secret_hash, allows_sign_up, creation_time, update_time)
            VALUES (\(bind: app.id), \(bind: app.projectId), \(bind: app.name), \(bind: app.description), \(bind: app.status.rawValue),
                    \(bind: app.clientSecretHash), \(bind: app.allowsSignUp), \(bind: app.creationTime), \(bind: app.updateTime))
            """).run()
    }

    func app(id: String) async throws -> App? {
        try await db.raw("SELECT * FROM apps WHERE id = \(bind: id)").first().map(Self.app)
    }

    func updateApp(_ app: App) async throws {
        try await db.raw("""
            UPDATE apps SET name = \(bind: app.name), description = \(bind: app.description), status = \(bind: app.status.rawValue),
                client_secret_hash = \(bind: app.clientSecretHash), allows_sign_up = \(bind: app.allowsSignUp), update_time = \(bind: app.updateTime)
            WHERE id = \(bind: app.id)
            """).run()
    }

    func apps(projectId: Int, status: App.Status) async throws -> [App] {
        try await db.raw("""
            SELECT * FROM apps WHERE project_id = \(bind: projectId) AND status = \(bind: status.rawValue) ORDER BY creation_time, id
            """).all().map(Self.app)
    }

    func insertRedirect(_ redirect: AppRedirect) async throws {
        try await db.raw("""
            INSERT INTO app_redirects (id, app_id, uri, creation_time)
            VALUES (\(bind: redirect.id), \(bind: redirect.appId), \(bind: redirect.uri), \(bind: redirect.creationTime))
            """).run()
    }

    func redirects(appId: String) async throws -> [AppRedirect] {
        try await db.raw("SELECT * FROM app_redirects WHERE app_id = \(bind: appId) ORDER BY creation_time, id").all().map { row in
            AppRedirect(id: try row.column("id"), appId: appId, uri: try row.column("uri"), creationTime: try row.column("creation_time"))
        }
    }

    static func app(_ row: any SQLRow) throws -> App {
        guard let status = App.Status(rawValue: try row.column("status")) else { throw StoreError.unexpectedRow("app status") }
        return App(
            id: try row.column("id"), projectId: try row.column("project_id"), name: try row.column("name"),
            description: try row.column("description"), status: status, clientSecretHash: try row.column("client_secret_hash"),
            allowsSignUp: try row.column("allows_sign_up"), creationTime: try row.column("creation_time"),
            updateTime: try row.column("update_time"))
    }

    func insertKey(projectId: Int, name: String, permissions: Set<ProjectKey.Permission>, keyHash: String, at time: Date) async throws -> ProjectKey {
        let list = permissions.sorted().map(\.rawValue).joined(separator: ",")
        let id = try await db.insertReturningId("""
            INSERT INTO project_keys (project_id, name, permissions, key_hash, creation_time)
            VALUES (\(bind: projectId), \(bind: name), \(bind: list), \(bind: keyHash), \(bind: time))
            """)
        return ProjectKey(id: id, projectId: projectId, name: name, permissions: permissions, keyHash: keyHash, creationTime: time)
    }

    func key(hash: String) async throws -> ProjectKey? {
        try await db.raw("SELECT * FROM project_keys WHERE key_hash = \(bind: hash)").first().map { row in
            let list: String = try row.column("permissions")
            return ProjectKey(
                id: try row.column("id"), projectId: try row.column("project_id"), name: try row.column("name"),
                permissions: Set(list.split(separator: ",").compactMap { ProjectKey.Permission(rawValue: String($0)) }),
                keyHash: try row.column("key_hash"), creationTime: try row.column("creation_time"))
        }
    }

    func insertDeviceClass(_ deviceClass: DeviceClass) async throws {
        try await db.raw("""
            INSERT INTO device_classes (project_id, id, name, creation_time)
            VALUES (\(bind: deviceClass.projectId), \(bind: deviceClass.id), \(bind: deviceClass.name), \(bind: deviceClass.creationTime))
            """).run()
    }

    func deviceClass(projectId: Int, id: String) async throws -> DeviceClass? {
        try await db.raw("SELECT * FROM device_classes WHERE project_id = \(bind: projectId) AND id = \(bind: id)").first().map { row in
            DeviceClass(id: id, projectId: projectId, name: try row.column("name"), creationTime: try row.column("creation_time"))
        }
    }
}

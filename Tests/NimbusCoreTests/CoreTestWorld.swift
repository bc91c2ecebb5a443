import Foundation
import Logging
import NimbusCore
import NimbusStore

/// A core over a fresh SQLite store, with a bus the test can watch.
struct CoreTestWorld {
    let nimbus: Nimbus
    let store: SQLStore
    let bus: InProcessBus
    /// The store's data directory, for a second store on the same database (another process, to the first).
    let directory: String

    /// Links in the emails the core sends in these tests.
    static let links = AccountLinks(emailVerification: { "verify:\($0)" }, passwordReset: { "reset:\($0)" })

    static func make(eventObservers: [any IngestObserver<Event>] = []) async throws -> CoreTestWorld {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("nimbus-core-\(UUID().uuidString)").path
        var logger = Logger(label: "core-test")
        logger.logLevel = .warning
        let store = try await SQLStore.open(databaseURL: nil, dataDirectory: directory, logger: logger)
        let bus = InProcessBus()
        let nimbus = Nimbus(environment: CoreEnvironment(
            store: store, bus: bus, eventObservers: eventObservers, logger: logger))
        return CoreTestWorld(nimbus: nimbus, store: store, bus: bus, directory: directory)
    }

    /// A BYOU project with a key, a user session, a home owned by that user and a device in it.
    func household() async throws -> (project: Project, key: Principal, user: Principal, homeId: Int, device: Principal, deviceId: Int) {
        let admin = nimbus.admin
        let project = try await admin.createProject(name: "P", accountMode: .byou, provisioning: .claim, by: .system)
        let (_, secret) = try await admin.createKey(projectId: project.id, name: "backend", permissions: [.byou, .events, .kv, .admin], by: .system)
        let key = try await nimbus.authenticator.authenticate(token: secret)
        let created = try await nimbus.accounts.signUp(SignUpRequest(projectId: project.id, name: "U"), links: Self.links, by: key)
        let session = try await nimbus.accounts.signIn(SignInRequest(projectId: project.id, userId: created.id), by: key)
        let user = try await nimbus.authenticator.authenticate(token: session.token)
        let home = try await nimbus.homes.create(name: "Home", by: user)
        _ = try await admin.createDeviceClass(projectId: project.id, id: "lamp", name: nil, by: .system)
        let issued = try await admin.createDevice(projectId: project.id, deviceClass: "lamp", tag: nil, name: nil, by: .system)
        _ = try await nimbus.devices.setClaimable(deviceId: issued.device.id, claimable: true, duration: 60, by: .device(deviceId: issued.device.id, projectId: project.id))
        _ = try await nimbus.devices.claim(homeId: home.id, claimCode: issued.claimCode ?? "", by: user)
        let device = try await nimbus.authenticator.authenticate(token: issued.apiKey)
        return (project, key, user, home.id, device, issued.device.id)
    }
}

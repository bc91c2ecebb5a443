import Foundation
import Logging
import NimbusCore
import NimbusStore
import Synchronization
import Testing

@testable import NimbusMODE

@Suite("MODE smart modules on the event write path")
struct ModeSmartModuleObserverTests {
    /// A core over a fresh SQLite store with MODE's observers, a project and a device of it.
    private static func world(
        wakeOutbox: @escaping @Sendable () -> Void
    ) async throws -> (store: SQLStore, nimbus: Nimbus, project: Project, issued: IssuedDevice, device: Principal) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("nimbus-webhooks-\(UUID().uuidString)").path
        var logger = Logger(label: "webhook-test")
        logger.logLevel = .warning
        let store = try await SQLStore.open(databaseURL: nil, dataDirectory: directory, logger: logger)
        let nimbus = Nimbus(environment: CoreEnvironment(
            store: store, bus: InProcessBus(), eventObservers: ModeDialect.eventObservers(wakeOutbox: wakeOutbox), logger: logger))
        let project = try await nimbus.admin.createProject(name: "W", accountMode: .byou, provisioning: .claim, by: .system)
        _ = try await nimbus.admin.createDeviceClass(projectId: project.id, id: "door", name: nil, by: .system)
        let issued = try await nimbus.admin.createDevice(projectId: project.id, deviceClass: "door", tag: nil, name: nil, by: .system)
        return (store, nimbus, project, issued, try await nimbus.authenticator.authenticate(token: issued.apiKey))
    }

    /// A `webhooks` module subscribed to `alarm` events.
    private static func addWebhooks(projectId: Int, _ nimbus: Nimbus) async throws {
        _ = try await nimbus.admin.createSmartModule(
            projectId: projectId, id: "hooks", moduleType: "webhooks", description: nil, subscribedEvents: ["alarm"],
            configData: ["url": .string("http://127.0.0.1:9/hook"), "key": .string("secret")], by: .system)
    }

    @Test("a subscribed event's delivery is written with it, rendered as the WebSocket sends it, and the outbox is woken after the commit")
    func deliveries() async throws {
        let wakeUps = Atomic<Int>(0)
        let (store, nimbus, project, issued, device) = try await Self.world(wakeOutbox: { wakeUps.add(1, ordering: .relaxed) })
        try await Self.addWebhooks(projectId: project.id, nimbus)

        try await nimbus.events.fromDevice(issued.device.id, eventType: "noise", eventData: [:], by: device)
        #expect(wakeUps.load(ordering: .relaxed) == 0, "no delivery, no wake-up")
        try await nimbus.events.fromDevice(issued.device.id, eventType: "alarm", eventData: ["level": .number(3)], by: device)
        #expect(wakeUps.load(ordering: .relaxed) == 1)

        let due = try await store.read { tx in try await tx.outbox.due(at: Date() + 1, limit: 100) }
        let deliveries = due.filter { $0.kind == .webhook }.compactMap { WebhookDelivery(payload: $0.payload) }
        #expect(deliveries.count == 1, "only subscribed event types are delivered")
        let body = try #require(deliveries.first.flatMap { JSONValue(jsonText: $0.body)?.objectValue })
        #expect(body["eventType"] == .string("alarm"))
        #expect(body["eventData"] == .object(["level": .number(3)]))
        #expect(body["originDeviceId"] == .number(Double(issued.device.id)))
        #expect(deliveries.first?.moduleId == "hooks")
        try await store.close()
    }

    @Test("a module added after events were written is used by the next event: the kept modules are read again after any other write")
    func moduleAddedLater() async throws {
        let (store, nimbus, project, issued, device) = try await Self.world(wakeOutbox: {})
        let deliveries = {
            try await store.read { tx in try await tx.outbox.due(at: Date() + 1, limit: 100) }.filter { $0.kind == .webhook }.count
        }
        try await nimbus.events.fromDevice(issued.device.id, eventType: "alarm", eventData: [:], by: device)
        try await nimbus.events.fromDevice(issued.device.id, eventType: "alarm", eventData: [:], by: device)
        #expect(try await deliveries() == 0)
        try await Self.addWebhooks(projectId: project.id, nimbus)
        try await nimbus.events.fromDevice(issued.device.id, eventType: "alarm", eventData: [:], by: device)
        #expect(try await deliveries() == 1)
        try await store.close()
    }
}

import Hummingbird
import Logging
import ServiceLifecycle
import Synchronization
import UnixSignals

/// A server leaving its load balancer (`docs/scale-out.md`). At the first SIGTERM or SIGINT it starts draining:
/// `/ready` answers 503, so that the balancer sends it no new clients, while it goes on serving the ones it has for
/// `delay`; then it shuts down as ever: MQTT 5 clients get DISCONNECT 0x8B (Server shutting down) and reconnect
/// through the balancer to another server, requests under way finish, what was acknowledged is already durable and
/// the outbox finishes what it is sending. A second signal cuts the delay short.
public final class ServerDrain: Sendable {
    private let draining = Atomic<Bool>(false)
    let delay: Duration

    public init(delay: Duration) {
        self.delay = delay
    }

    public var isDraining: Bool { draining.load(ordering: .relaxed) }

    /// Runs the application until a signal, draining first.
    public func run(_ application: some ApplicationProtocol, logger: Logger) async throws {
        let group = ServiceGroup(configuration: .init(services: [application], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            tasks.addTask {
                var shutdown: Task<Void, Never>?
                for await _ in await UnixSignalsSequence(trapping: .sigterm, .sigint) {
                    guard shutdown == nil else {
                        await group.triggerGracefulShutdown()  // a second signal: now
                        continue
                    }
                    self.draining.store(true, ordering: .relaxed)
                    if self.delay > .zero {
                        logger.info("draining: not ready for new clients", metadata: ["drain.seconds": "\(self.delay.components.seconds)"])
                    }
                    shutdown = Task {
                        try? await Task.sleep(for: self.delay)
                        await group.triggerGracefulShutdown()
                    }
                }
            }
            // The group ends after a shutdown (or on an error); the signal watcher is then no longer needed.
            try await tasks.next()
            tasks.cancelAll()
        }
    }
}

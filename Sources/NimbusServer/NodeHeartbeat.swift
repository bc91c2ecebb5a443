import Logging
import NimbusCore
import ServiceLifecycle

/// Beats for this server among those sharing a PostgreSQL database, every `interval`, and forgets the servers that
/// missed three beats with what they held (`Nimbus.beat`): their devices show offline within about four intervals of
/// a server's death, their claims and leases go to the others, and the wills of the MQTT connections they had open
/// are published (`MQTTClusterRelay`). A failed beat is logged and tried again at the next.
struct NodeHeartbeat: Service {
    let nimbus: Nimbus
    /// Publishes the wills the servers gone silent left (`MQTTClusterRelay`).
    let relay: MQTTClusterRelay?
    let interval: Duration
    let logger: Logger

    var staleAfter: Duration { Self.staleAfter(interval) }

    /// A server silent for three intervals is gone.
    static func staleAfter(_ interval: Duration) -> Duration { interval * 3 }

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await Task.sleep(for: interval)
                    try await nimbus.beat(forgettingServersSilentFor: staleAfter)
                    // After the beat, which forgot the silent servers: their connections' wills go out.
                    try await relay?.publishWillsOfGoneServers()
                } catch is CancellationError {
                    return
                } catch {
                    logger.warning("could not record this server's heartbeat", metadata: ["error": "\(error)"])
                }
            }
        }
    }
}

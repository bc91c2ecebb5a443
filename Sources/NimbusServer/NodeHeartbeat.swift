import Logging
import NimbusCore
import ServiceLifecycle

/// Beats for this server among those sharing a PostgreSQL database, every `interval`, and forgets the servers that
/// missed three beats, with the device connections they held (`DeviceConnectionTracker.beat`): their devices show
/// offline within about four intervals of a server's death, and the wills of the MQTT connections it had open are
/// published (`MQTTClusterRelay`). At each beat the attempts counted in the database past their window go too. A
/// failed beat is logged and tried again at the next.
struct NodeHeartbeat: Service {
    let connections: DeviceConnectionTracker
    /// The counts in the database (its, and the message throttle's per address, kept for `messageWindow`) are
    /// trimmed at each beat.
    let signInThrottle: SignInThrottle
    let messageWindow: Duration
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
                    try await connections.beat(forgettingServersSilentFor: staleAfter)
                    // After the beat, which forgot the silent servers: their connections' wills go out.
                    try await relay?.publishWillsOfGoneServers()
                    try await signInThrottle.forgetExpired(keeping: messageWindow)
                } catch is CancellationError {
                    return
                } catch {
                    logger.warning("could not record this server's heartbeat", metadata: ["error": "\(error)"])
                }
            }
        }
    }
}

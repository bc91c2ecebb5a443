import Foundation
import Logging
import NimbusCore
import ServiceLifecycle

/// Applies the projects' reading retention (`ReadingUseCases.applyRetention`) every `interval`, the first pass
/// shortly after start; beside other servers on the database, one of them at a time does it (a lease a little shorter
/// than the interval). A failed pass is logged and tried again at the next.
struct ReadingRetentionWorker: Service {
    let readings: ReadingUseCases
    let interval: Duration
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            var wait = min(interval, .seconds(5))
            while !Task.isCancelled {
                do {
                    try await Task.sleep(for: wait)
                    wait = interval
                    _ = try await readings.applyRetention(lease: Double(interval.components.seconds) * 0.9)
                } catch is CancellationError {
                    return
                } catch {
                    logger.warning("could not apply the reading retention", metadata: ["error": "\(error)"])
                }
            }
        }
    }
}

import Foundation
import Logging
import NimbusCore
import ServiceLifecycle

/// Applies the projects' reading retention (`ReadingUseCases.applyRetention`) every `interval`, the first pass
/// shortly after start. A failed pass is logged and tried again at the next.
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
                    _ = try await readings.applyRetention()
                } catch is CancellationError {
                    return
                } catch {
                    logger.warning("could not apply the reading retention", metadata: ["error": "\(error)"])
                }
            }
        }
    }
}

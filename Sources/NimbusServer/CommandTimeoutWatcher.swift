import Foundation
import Logging
import NimbusCore
import ServiceLifecycle

/// Tells the accounts' live streams, about once a second, which Cayenne commands timed out without an answer
/// (a command's status turns `timed_out` by time alone, so nothing else would say it).
struct CommandTimeoutWatcher: Service {
    let commands: ThingCommandUseCases
    let logger: Logger
    var interval: Duration = .seconds(1)

    func run() async throws {
        await cancelWhenGracefulShutdown {
            var since = Date()
            while !Task.isCancelled {
                do {
                    try await Task.sleep(for: interval)
                    since = try await commands.publishTimeouts(since: since)
                } catch is CancellationError {
                    return
                } catch {
                    logger.warning("could not look for timed-out commands", metadata: ["error": "\(error)"])
                }
            }
        }
    }
}

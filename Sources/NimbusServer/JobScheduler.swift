import Foundation
import Logging
import NimbusCore
import ServiceLifecycle

/// Runs the accounts' scheduled jobs when they are due: once a second it asks the core for the due ones
/// (`JobUseCases.runDue`, which claims and runs them in one transaction, so several servers on one PostgreSQL
/// database run each run once), and at once again while a claim came back full. The same tick checks the rules'
/// `offline` triggers whose minutes have run out (`RuleUseCases.checkConnectionStates`).
struct JobScheduler: Service {
    let jobs: JobUseCases
    let rules: RuleUseCases
    let logger: Logger
    var interval: Duration = .seconds(1)

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await rules.checkConnectionStates()
                    let ran = try await jobs.runDue()
                    if ran > 0 { logger.debug("scheduled jobs ran", metadata: ["jobs": "\(ran)"]) }
                    if ran < JobUseCases.claimBatch { try await Task.sleep(for: interval) }
                } catch is CancellationError {
                    return
                } catch {
                    logger.warning("could not run the scheduled jobs", metadata: ["error": "\(error)"])
                    try? await Task.sleep(for: interval)
                }
            }
        }
    }
}

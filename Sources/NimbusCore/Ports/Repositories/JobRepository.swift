import Foundation

/// Scheduled jobs of Cayenne accounts and their runs.
public protocol JobRepository: Sendable {
    func insert(_ job: Job) async throws
    /// Replaces everything of a job but its id, account and creation time.
    func update(_ job: Job) async throws
    func delete(id: String) async throws
    func get(id: String) async throws -> Job?
    /// An account's jobs, oldest first.
    func list(homeId: Int) async throws -> [Job]
    func count(homeId: Int) async throws -> Int
    /// Active jobs due at `now` (oldest `nextRuntime` first), each locked until the transaction ends; another
    /// transaction claiming at the same time skips them (`FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite has one writer).
    func claimDue(at now: Date, limit: Int) async throws -> [Job]
    /// The earliest `nextRuntime` of any active job, to know how long the scheduler may sleep.
    func earliestRuntime() async throws -> Date?

    /// Records a run; `run.id` is ignored. Forgets the job's runs but the `keep` most recent.
    func appendRun(_ run: JobRun, keep: Int) async throws
    /// A job's runs, newest first.
    func runs(jobId: String, limit: Int) async throws -> [JobRun]
}

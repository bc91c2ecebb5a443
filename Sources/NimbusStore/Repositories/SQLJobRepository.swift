import Foundation
import NimbusCore
import SQLKit

/// Jobs with their schedule, actions and notifications as JSON text (read and written whole), and their runs.
struct SQLJobRepository: JobRepository {
    let db: any SQLDatabase
    let backend: SQLBackend

    func insert(_ job: Job) async throws {
        try await db.raw("""
            INSERT INTO jobs (id, project_id, home_id, title, active, schedule, actions, notifications, http_push, next_runtime, run_count,
                last_run, version, creation_time, update_time)
            VALUES (\(bind: job.id), \(bind: job.projectId), \(bind: job.homeId), \(bind: job.title), \(bind: job.active),
                \(bind: try JSONText.encode(job.schedule)), \(bind: try JSONText.encode(job.actions)), \(bind: try JSONText.encode(job.notifications)),
                \(bind: try JSONText.encode(job.httpPush)), \(bind: job.nextRuntime), \(bind: job.runCount), \(bind: job.lastRun), \(bind: job.version), \(bind: job.creationTime),
                \(bind: job.updateTime))
            """).run()
    }

    func update(_ job: Job) async throws {
        try await db.raw("""
            UPDATE jobs SET title = \(bind: job.title), active = \(bind: job.active), schedule = \(bind: try JSONText.encode(job.schedule)),
                actions = \(bind: try JSONText.encode(job.actions)), notifications = \(bind: try JSONText.encode(job.notifications)),
                http_push = \(bind: try JSONText.encode(job.httpPush)), next_runtime = \(bind: job.nextRuntime), run_count = \(bind: job.runCount), last_run = \(bind: job.lastRun),
                version = \(bind: job.version), update_time = \(bind: job.updateTime)
            WHERE id = \(bind: job.id)
            """).run()
    }

    func delete(id: String) async throws {
        try await db.raw("DELETE FROM jobs WHERE id = \(bind: id)").run()
    }

    func get(id: String) async throws -> Job? {
        try await db.raw("SELECT * FROM jobs WHERE id = \(bind: id)").first().map(Self.job)
    }

    func list(homeId: Int) async throws -> [Job] {
        try await db.raw("SELECT * FROM jobs WHERE home_id = \(bind: homeId) ORDER BY creation_time, id").all().map(Self.job)
    }

    func count(homeId: Int) async throws -> Int {
        try await db.raw("SELECT COUNT(*) AS n FROM jobs WHERE home_id = \(bind: homeId)").first()?.column("n") ?? 0
    }

    func claimDue(at now: Date, limit: Int) async throws -> [Job] {
        // SQLite has one writer: the transaction that claims holds the database until it commits.
        let lock: SQLQueryString = backend == .postgres ? " FOR UPDATE SKIP LOCKED" : ""
        return try await db.raw("""
            SELECT * FROM jobs WHERE active = \(bind: true) AND next_runtime <= \(bind: now) ORDER BY next_runtime, id LIMIT \(bind: limit)
            """ + lock).all().map(Self.job)
    }

    func earliestRuntime() async throws -> Date? {
        try await db.raw("SELECT MIN(next_runtime) AS t FROM jobs WHERE active = \(bind: true)").first()?.column("t")
    }

    func appendRun(_ run: JobRun, keep: Int) async throws {
        try await db.raw("""
            INSERT INTO job_runs (job_id, home_id, scheduled_for, time, outcomes)
            VALUES (\(bind: run.jobId), \(bind: run.homeId), \(bind: run.scheduledFor), \(bind: run.time), \(bind: try JSONText.encode(run.outcomes)))
            """).run()
        try await db.keepNewest(keep, in: "job_runs", where: "job_id", is: run.jobId)
    }

    func runs(jobId: String, limit: Int) async throws -> [JobRun] {
        try await db.raw("SELECT * FROM job_runs WHERE job_id = \(bind: jobId) ORDER BY id DESC LIMIT \(bind: limit)").all().map { row in
            JobRun(
                id: try row.column("id"), jobId: try row.column("job_id"), homeId: try row.column("home_id"),
                scheduledFor: try row.column("scheduled_for"), time: try row.column("time"),
                outcomes: try JSONText.decode(try row.column("outcomes"), as: [RuleLogEntry.Outcome].self))
        }
    }

    static func job(_ row: any SQLRow) throws -> Job {
        Job(
            id: try row.column("id"), projectId: try row.column("project_id"), homeId: try row.column("home_id"), title: try row.column("title"),
            active: try row.column("active"), schedule: try JSONText.decode(try row.column("schedule"), as: JobSchedule.self),
            actions: try JSONText.decode(try row.column("actions"), as: [RuleAction].self),
            notifications: try JSONText.decode(try row.column("notifications"), as: [RuleNotification].self),
            httpPush: try JSONText.decode(try row.column("http_push"), as: [HTTPPush].self), nextRuntime: try row.column("next_runtime"), runCount: try row.column("run_count"), lastRun: try row.column("last_run"),
            version: try row.column("version"), creationTime: try row.column("creation_time"), updateTime: try row.column("update_time"))
    }
}

import Foundation
import Hummingbird
import NimbusCore
import NimbusHTTP

/// Scheduled jobs: the seed's `/v1.1/jobs` (also the timekeeper base the JavaScript client calls,
/// `TIMEKEEPER_BASE_URL = <nimbus>/cayenne/v1.1`), with `PUT /jobs/{id}/{state}` and each job's runs.
struct CayenneJobsController {
    let jobs: JobUseCases
    let clock: any WallClock

    func addRoutes(to group: RouterGroup<NimbusRequestContext>) {
        group.get("jobs", use: list)
        group.post("jobs", use: create)
        group.get("jobs/:jobId", use: get)
        group.put("jobs/:jobId", use: update)
        group.delete("jobs/:jobId", use: delete)
        group.get("jobs/:jobId/runs", use: runs)
        group.put("jobs/:jobId/:state", use: setState)
    }

    /// A bare array of the account's jobs, oldest first.
    func list(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let listed = try await jobs.list(accountId: try CayenneThingWire.accountId(request), by: context.principal)
        let now = clock.now()
        return CayenneResponse.json(.array(listed.map { CayenneJobWire.job($0, now: now) }))
    }

    /// The seed answers 200 without showing a body: the job, whose `_id` clients keep.
    func create(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let body = try await JSONBody.decode(CayenneJobWire.Body.self, from: request, context: context)
        let created = try await jobs.create(try CayenneJobWire.draft(body), accountId: try CayenneThingWire.accountId(request), by: context.principal)
        return CayenneResponse.json(CayenneJobWire.job(created, now: clock.now()))
    }

    func get(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let described = try await jobs.get(try Self.jobId(context), accountId: try CayenneThingWire.accountId(request), by: context.principal)
        return CayenneResponse.json(CayenneJobWire.job(described, now: clock.now()))
    }

    /// A partial update (`config`, when sent, is whole); answers the job.
    func update(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let body = try await JSONBody.decode(CayenneJobWire.Body.self, from: request, context: context)
        let updated = try await jobs.update(
            try Self.jobId(context), try CayenneJobWire.draft(body), accountId: try CayenneThingWire.accountId(request), by: context.principal)
        return CayenneResponse.json(CayenneJobWire.job(updated, now: clock.now()))
    }

    func delete(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        try await jobs.delete(try Self.jobId(context), accountId: try CayenneThingWire.accountId(request), by: context.principal)
        return CayenneResponse.json(["success": .bool(true)])
    }

    /// `PUT /jobs/{id}/{state}`: `active` (or `activate`, `enable`, `resume`, `start`, `on`, `true`) and `inactive`
    /// (or `deactivate`, `disable`, `pause`, `stop`, `off`, `false`); answers the job.
    func setState(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let state = context.parameters.get("state")?.lowercased() ?? ""
        let active: Bool
        switch state {
        case "active", "activate", "enable", "enabled", "resume", "start", "on", "true": active = true
        case "inactive", "deactivate", "disable", "disabled", "pause", "paused", "stop", "off", "false": active = false
        default: throw NimbusError.invalidInput(field: "state", reason: "must be active or inactive")
        }
        let described = try await jobs.setActive(
            try Self.jobId(context), active, accountId: try CayenneThingWire.accountId(request), by: context.principal)
        return CayenneResponse.json(CayenneJobWire.job(described, now: clock.now()))
    }

    /// The job's runs, newest first (`limit` up to 1,000, default 100).
    func runs(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let runs = try await jobs.runs(try Self.jobId(context), limit: try CayenneWire.limit(request), accountId: try CayenneThingWire.accountId(request), by: context.principal)
        return CayenneResponse.json(.array(runs.map(CayenneJobWire.run)))
    }

    static func jobId(_ context: NimbusRequestContext) throws -> String {
        guard let raw = context.parameters.get("jobId"), let id = UUID(uuidString: raw) else { throw NimbusError.notFound("job") }
        return id.uuidString.lowercased()
    }
}

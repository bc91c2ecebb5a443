import Foundation

/// Scheduled jobs of a Cayenne account (`docs/automation.md`), guarded by the `jobs` permission, and the scheduler's
/// side: `runDue` claims the jobs whose time has come and runs each once, in one transaction with its run's record,
/// its commands and its outbox items, so that no run is lost or made twice, whatever crashes and however many
/// servers share the database.
public struct JobUseCases: Sendable {
    let environment: CoreEnvironment
    var store: any Store { environment.store }

    /// Jobs claimed by one transaction of the scheduler.
    public static let claimBatch = 100
    /// The most upcoming runs shown with a job.
    public static let upcomingShown = 5

    /// What a create or a partial update sets; `nil` leaves a field as it is. `schedule`, when given, is whole.
    public struct Draft: Sendable {
        public var title: String?
        public var active: Bool?
        public var schedule: JobSchedule?
        public var actions: [RuleUseCases.ActionDraft]?
        public var notifications: [RuleNotification]?
        public var httpPush: [HTTPPush]?

        public init() {}
    }

    /// A job with the wire ids of the things it commands.
    public struct Described: Sendable {
        public var job: Job
        public var thingIds: [Int: UUID]
    }

    public func create(_ draft: Draft, accountId: Int?, by principal: Principal) async throws -> Described {
        let title = try Validation.requiredText(draft.title, "title")
        guard let schedule = draft.schedule else { throw NimbusError.invalidInput(field: "config", reason: "required") }
        let now = environment.clock.now()
        let next = try Self.firstRun(of: schedule, at: now)
        return try await store.write { tx in
            let (home, _) = try await AccessPolicy.account(accountId, of: principal, needs: (.jobs, .addEdit), in: tx)
            let limit = environment.thingLimits.jobsPerAccount
            guard try await tx.jobs.count(homeId: home.id) < limit else { throw NimbusError.limitReached(what: "jobs", limit: limit) }
            var job = Job(
                id: UUID().uuidString.lowercased(), projectId: home.projectId, homeId: home.id, title: title, active: draft.active ?? true,
                schedule: schedule, actions: [], notifications: [], nextRuntime: next, creationTime: now, updateTime: now)
            try await Self.apply(draft, to: &job, in: home, tx: tx)
            try await tx.jobs.insert(job)
            return Described(job: job, thingIds: try await RuleUseCases.wireIds(of: job.actions.map(\.thingId), tx: tx))
        }
    }

    /// The account's jobs, oldest first.
    public func list(accountId: Int?, by principal: Principal) async throws -> [Described] {
        try await store.read { tx in
            let (home, _) = try await AccessPolicy.account(accountId, of: principal, needs: (.jobs, .view), in: tx)
            let jobs = try await tx.jobs.list(homeId: home.id)
            let things = try await RuleUseCases.wireIds(of: jobs.flatMap { $0.actions.map(\.thingId) }, tx: tx)
            return jobs.map { Described(job: $0, thingIds: things) }
        }
    }

    public func get(_ id: String, accountId: Int?, by principal: Principal) async throws -> Described {
        try await store.read { tx in
            let (home, _) = try await AccessPolicy.account(accountId, of: principal, needs: (.jobs, .view), in: tx)
            let job = try await Self.job(id, in: home, tx: tx)
            return Described(job: job, thingIds: try await RuleUseCases.wireIds(of: job.actions.map(\.thingId), tx: tx))
        }
    }

    /// Changes what the draft sets. A new schedule, or a job made active again, runs next at its first time from now
    /// on (runs that fell while it was inactive are not made up).
    public func update(_ id: String, _ draft: Draft, accountId: Int?, by principal: Principal) async throws -> Described {
        let title = try draft.title.map { try Validation.requiredText($0, "title") }
        let now = environment.clock.now()
        let next: Date?? = try draft.schedule.map { try Self.firstRun(of: $0, at: now) }
        return try await store.write { tx in
            let (home, _) = try await AccessPolicy.account(accountId, of: principal, needs: (.jobs, .addEdit), in: tx)
            var job = try await Self.job(id, in: home, tx: tx)
            let reactivated = draft.active == true && !job.active
            try await Self.apply(draft, to: &job, in: home, tx: tx)
            if let schedule = draft.schedule, let next {
                job.schedule = schedule
                job.nextRuntime = next
            } else if reactivated {
                job.nextRuntime = job.schedule.next(after: now)
            }
            job.title = title ?? job.title
            job.version += 1
            job.updateTime = now
            try await tx.jobs.update(job)
            return Described(job: job, thingIds: try await RuleUseCases.wireIds(of: job.actions.map(\.thingId), tx: tx))
        }
    }

    public func setActive(_ id: String, _ active: Bool, accountId: Int?, by principal: Principal) async throws -> Described {
        var draft = Draft()
        draft.active = active
        return try await update(id, draft, accountId: accountId, by: principal)
    }

    public func delete(_ id: String, accountId: Int?, by principal: Principal) async throws {
        try await store.write { tx in
            let (home, _) = try await AccessPolicy.account(accountId, of: principal, needs: (.jobs, .delete), in: tx)
            try await tx.jobs.delete(id: try await Self.job(id, in: home, tx: tx).id)
        }
    }

    /// A job's runs, newest first.
    public func runs(_ id: String, limit: Int, accountId: Int?, by principal: Principal) async throws -> [JobRun] {
        try await store.read { tx in
            let (home, _) = try await AccessPolicy.account(accountId, of: principal, needs: (.jobs, .view), in: tx)
            return try await tx.jobs.runs(jobId: try await Self.job(id, in: home, tx: tx).id, limit: min(max(limit, 1), 1000))
        }
    }

    // MARK: - The scheduler

    /// Runs every active job whose time has come, each once, and moves it to its first time after now (runs missed while
    /// the server was down are made once, not once each). - Returns: how many ran.
    @discardableResult
    public func runDue() async throws -> Int {
        let now = environment.clock.now()
        // Read first: most seconds nothing is due, and a write transaction would flush the log for nothing.
        guard let earliest = try await store.read({ tx in try await tx.jobs.earliestRuntime() }), earliest <= now else { return 0 }
        let (ran, effects) = try await store.write { tx in
            let due = try await tx.jobs.claimDue(at: now, limit: Self.claimBatch)
            var effects = AutomationEffects()
            for var job in due {
                let outcomes = try await effects.perform(
                    actions: job.actions, notifications: job.notifications, pushes: job.httpPush, notify: true, homeId: job.homeId, subject: "Nimbus job: \(job.title)",
                    body: "\(job.title): the scheduled job ran at \(Timestamp.rfc3339(now)).", environment: environment, at: now, in: tx)
                try await tx.jobs.appendRun(
                    JobRun(id: 0, jobId: job.id, homeId: job.homeId, scheduledFor: job.nextRuntime ?? now, time: now, outcomes: outcomes),
                    keep: environment.thingLimits.logsKeptPerRule)
                job.runCount += 1
                job.lastRun = now
                job.nextRuntime = job.schedule.next(after: now)
                try await tx.jobs.update(job)
            }
            return (due.count, effects)
        }
        effects.published(environment: environment)
        return ran
    }

    // MARK: - Support

    static func job(_ id: String, in home: Home, tx: any StoreTransaction) async throws -> Job {
        guard let job = try await tx.jobs.get(id: id), job.homeId == home.id else { throw NimbusError.notFound("job") }
        return job
    }

    /// The schedule's first run from `now` on; a one-off job must be due from a minute ago at the earliest.
    static func firstRun(of schedule: JobSchedule, at now: Date) throws -> Date? {
        guard TimeZone(identifier: schedule.timeZone) != nil else {
            throw NimbusError.invalidInput(field: "config.tz", reason: "must be an IANA time zone, such as America/Los_Angeles")
        }
        if schedule.kind == .interval, !(1...10_000).contains(schedule.interval) {
            throw NimbusError.invalidInput(field: "config.interval", reason: "must be 1 to 10000")
        }
        if schedule.kind == .date, schedule.start < now - 60 {
            throw NimbusError.invalidInput(field: "config.start_date", reason: "a one-off job's time has passed")
        }
        return schedule.start >= now - 60 ? schedule.start : schedule.next(after: now)
    }

    private static func apply(_ draft: Draft, to job: inout Job, in home: Home, tx: any StoreTransaction) async throws {
        if let active = draft.active { job.active = active }
        if let actions = draft.actions { job.actions = try await RuleUseCases.actions(actions, in: home, tx: tx) }
        if let notifications = draft.notifications { job.notifications = try RuleUseCases.notifications(notifications) }
        if let pushes = draft.httpPush { job.httpPush = try RuleUseCases.pushes(pushes) }
    }
}

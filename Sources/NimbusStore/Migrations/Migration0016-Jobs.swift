extension Migration {
    /// Migration 16: scheduled jobs of Cayenne accounts (schedule, actions and notifications as JSON; `next_runtime`
    /// indexed for the scheduler's claim) and their runs.
    static let jobs = Migration(version: 16, name: "jobs", statements: [
        """
        CREATE TABLE jobs (
            id TEXT PRIMARY KEY, project_id BIGINT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
            home_id BIGINT NOT NULL REFERENCES homes(id) ON DELETE CASCADE, title TEXT NOT NULL, active BOOLEAN NOT NULL,
            schedule TEXT NOT NULL, actions TEXT NOT NULL, notifications TEXT NOT NULL, next_runtime {time}, run_count BIGINT NOT NULL,
            last_run {time}, version BIGINT NOT NULL, creation_time {time} NOT NULL, update_time {time} NOT NULL)
        """,
        "CREATE INDEX jobs_by_home ON jobs (home_id, creation_time)",
        "CREATE INDEX jobs_due ON jobs (next_runtime)",
        """
        CREATE TABLE job_runs (
            id {pk}, job_id TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE, home_id BIGINT NOT NULL,
            scheduled_for {time} NOT NULL, time {time} NOT NULL, outcomes TEXT NOT NULL)
        """,
        "CREATE INDEX job_runs_by_job ON job_runs (job_id, id)",
    ])
}

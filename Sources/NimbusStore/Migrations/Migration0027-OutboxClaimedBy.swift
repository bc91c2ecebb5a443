extension Migration {
    /// Migration 27: which server claimed an outbox message (`OutboxRepository.claim`), so that the claims of a server
    /// that is gone (a restart of a server alone on its database, a server that stopped beating beside others) are
    /// released at once instead of when their lease ends.
    static let outboxClaimedBy = Migration(version: 27, name: "outbox claims name their server", statements: [
        "ALTER TABLE outbox ADD COLUMN claimed_by TEXT",
    ])
}

/// How much of the server one Cayenne account can make it hold. Each bound is a server setting
/// (`cayenne-max-*`, see the README's table); `docs/cayenne.md` gives the reason for each default.
public struct ThingLimits: Sendable, Hashable {
    /// Things of one account: devices, gateways and channel sensors, deactivated ones included (they keep their
    /// readings). The things list has no paging in the vendor's API: every app loads it whole.
    public var thingsPerAccount = 20_000
    /// Channels one thing reports on; each is a child thing made on its first reading.
    public var channelsPerThing = 256
    /// Readings in one message (a `data/json` array, an HTTP push, an LPP frame): one message is one transaction.
    public var readingsPerMessage = 64
    /// Thing types one account defines, and channels per type.
    public var typesPerAccount = 1_000
    public var channelsPerType = 256
    /// Bytes of a thing's or a type's `properties` as JSON text: they are sent with every thing in the list.
    public var propertiesBytes = 16 * 1024
    /// Registry entries one account has provisioned (a request provisions at most `RegistryUseCases.maximumBatch`).
    public var registryEntriesPerAccount = 100_000
    /// Commands waiting for one thing (not yet answered nor timed out): what an offline thing gets when it connects.
    public var waitingCommandsPerThing = 32
    /// Finished commands (answered or timed out) kept per thing for the status API; older ones are forgotten as new
    /// ones come.
    public var commandsKeptPerThing = 100
    /// Rules of one account: each reading of a watched thing evaluates every rule on it in the reading's transaction.
    public var rulesPerAccount = 1_000
    /// Emails and texts one account's rules and jobs may send per minute (to recipients the account chooses); past it a
    /// firing logs its notifications as `skipped`.
    public var notificationsPerMinute = 60
    /// HTTP pushes one account's rules and jobs may send per minute; past it a firing logs its pushes as `skipped`.
    public var httpPushesPerMinute = 60
    /// Scheduled jobs of one account: the scheduler claims due ones a hundred per transaction.
    public var jobsPerAccount = 1_000
    /// Firings kept in each rule's log, and runs in each job's; older ones are forgotten as new ones come.
    public var logsKeptPerRule = 1_000
    /// Seconds after a rule's notifications before its next firing may send more: a value that crosses its threshold
    /// back and forth on every reading fires the rule (its commands, its log) each time, but mails and texts its
    /// recipients at most this often.
    public var ruleNotificationInterval = 60

    public init() {}
}

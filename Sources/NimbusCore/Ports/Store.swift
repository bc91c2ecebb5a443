/// The persistent store, as the core sees it. Every repository call happens inside `read` or
/// `write`; a `write` is one transaction, so writes that belong together commit together or not at all.
public protocol Store: Sendable {
    /// Runs `body` with repositories that see a consistent view; changes made here are not guaranteed
    /// to be atomic.
    func read<T: Sendable>(_ body: @Sendable (any StoreTransaction) async throws -> T) async throws -> T
    /// Runs `body` in one transaction: if it throws, nothing it wrote remains. Returns once the transaction
    /// is durable.
    func write<T: Sendable>(_ body: @Sendable (any StoreTransaction) async throws -> T) async throws -> T
    /// Runs `body` in one transaction, like `write`, for a batch of a durable pipeline (`IngestBatch`): a
    /// transaction that appends records and rows derived from them and changes no row any transaction may read
    /// and keep. It therefore leaves `StoreTransaction.stableGeneration` as it found it, and its body sees that
    /// generation.
    func writeBatch<T: Sendable>(_ body: @Sendable (any StoreTransaction) async throws -> T) async throws -> T
    /// Where write transactions run, when the store has a place of its own for them (SQLite's writer thread):
    /// a loop that writes many transactions runs there to save a thread hand-off per transaction.
    var writeExecutor: (any TaskExecutor)? { get }
}

extension Store {
    /// A store without a place of its own: transactions run on the caller's executor.
    public var writeExecutor: (any TaskExecutor)? { nil }

    /// A store that cannot tell generations apart: a batch is an ordinary write whose `stableGeneration` is `nil`.
    public func writeBatch<T: Sendable>(_ body: @Sendable (any StoreTransaction) async throws -> T) async throws -> T {
        try await write(body)
    }
}

/// The repositories available inside one store transaction.
public protocol StoreTransaction: Sendable {
    /// In a batch transaction (`Store.writeBatch`), what identifies the state of every row but those that batches
    /// append: two batch transactions see the same generation only when no other write transaction ran between
    /// them, in this process or another one. What a batch read may then be kept for the next batches of the same
    /// generation (`GenerationCache`) instead of being read again. `nil` in other transactions, and where the
    /// store cannot tell (PostgreSQL, which other servers write too).
    var stableGeneration: UInt64? { get }
    var projects: any ProjectRepository { get }
    var users: any UserRepository { get }
    var sessions: any SessionRepository { get }
    var homes: any HomeRepository { get }
    var keyValues: any KeyValueRepository { get }
    var devices: any DeviceRepository { get }
    var nodes: any NodeRepository { get }
    var leases: any LeaseRepository { get }
    var attemptCounts: any AttemptCountRepository { get }
    var events: any EventRepository { get }
    var smartModules: any SmartModuleRepository { get }
    var outbox: any OutboxRepository { get }
    var oauth: any OAuthRepository { get }
    var thingTypes: any ThingTypeRepository { get }
    var mqttClients: any AccountMQTTClientRepository { get }
    var readings: any ReadingRepository { get }
    var registry: any RegistryRepository { get }
    var thingCommands: any ThingCommandRepository { get }
    var rules: any RuleRepository { get }
    var jobs: any JobRepository { get }
}

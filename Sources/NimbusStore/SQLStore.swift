import Foundation
import Logging
import NimbusCore
import SQLKit
import ServiceLifecycle

/// The core's `Store` over SQL: SQLite by default, PostgreSQL when given a `postgres://` URL.
/// It is a `Service`: run it in the server's ServiceGroup and it closes its connections on shutdown.
public final class SQLStore: Store, Service {
    let executor: any SQLExecutor
    /// The database's address when it is PostgreSQL, for the connection the bus listens on.
    private let postgresURL: PostgresURL?
    public var backend: SQLBackend { executor.backend }

    private init(executor: any SQLExecutor, postgresURL: PostgresURL?) {
        self.executor = executor
        self.postgresURL = postgresURL
    }

    /// Opens the store and brings its schema up to date.
    /// - Parameters:
    ///   - databaseURL: a `postgres://` URL; `nil` for SQLite.
    ///   - dataDirectory: where the SQLite database lives (created if missing).
    public static func open(databaseURL: String?, dataDirectory: String, logger: Logger) async throws -> SQLStore {
        let executor: any SQLExecutor
        var postgresURL: PostgresURL?
        if let databaseURL, !databaseURL.isEmpty {
            postgresURL = try PostgresURL(databaseURL)
            executor = try PostgresExecutor(url: databaseURL, logger: logger)
        } else {
            try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
            executor = try SQLiteExecutor.open(path: dataDirectory + "/nimbus.sqlite", logger: logger)
        }
        do {
            try await Migrations.migrate(executor, logger: logger)
        } catch {
            try? await executor.close()
            throw error
        }
        return SQLStore(executor: executor, postgresURL: postgresURL)
    }

    /// The bus for this store's processes: `local` itself on SQLite (one process), a `PostgresBus` around it on
    /// PostgreSQL, where several nodes may share the database; run it as a service (it is one when it is a `PostgresBus`).
    public func bus(local: InProcessBus, outgoingLimit: Int, outgoingByteLimit: Int, logger: Logger) -> any MessageBus {
        guard let postgresURL else { return local }
        return PostgresBus(
            store: self, url: postgresURL, local: local, outgoingLimit: outgoingLimit, outgoingByteLimit: outgoingByteLimit, logger: logger)
    }

    public func read<T: Sendable>(_ body: @Sendable (any StoreTransaction) async throws -> T) async throws -> T {
        try await executor.withConnection { db in try await body(SQLStoreTransaction(db: db, backend: self.backend)) }
    }

    public var writeExecutor: (any TaskExecutor)? { executor.writeExecutor }

    public func write<T: Sendable>(_ body: @Sendable (any StoreTransaction) async throws -> T) async throws -> T {
        try await executor.withTransaction { db in try await body(SQLStoreTransaction(db: db, backend: self.backend)) }
    }

    public func writeBatch<T: Sendable>(_ body: @Sendable (any StoreTransaction) async throws -> T) async throws -> T {
        try await executor.withBatchTransaction { db, generation in
            try await body(SQLStoreTransaction(db: db, backend: self.backend, stableGeneration: generation))
        }
    }

    public func run() async throws {
        try await executor.run()
    }

    /// Runs `body` on one connection, for stores of other modules on the same database (`NimbusMQTTStore`).
    public func withConnection<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await executor.withConnection(body)
    }

    /// Runs `body` in one transaction, for stores of other modules on the same database.
    public func withTransaction<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await executor.withTransaction(body)
    }

    /// Closes the connections; for commands that use the store without running it as a service.
    public func close() async throws {
        try await executor.close()
    }
}

/// The repositories of one connection (inside a transaction when the store opened one).
struct SQLStoreTransaction: StoreTransaction {
    let db: any SQLDatabase
    let backend: SQLBackend
    var stableGeneration: UInt64? = nil

    var projects: any ProjectRepository { SQLProjectRepository(db: db, backend: backend) }
    var users: any UserRepository { SQLUserRepository(db: db) }
    var sessions: any SessionRepository { SQLSessionRepository(db: db) }
    var homes: any HomeRepository { SQLHomeRepository(db: db) }
    var keyValues: any KeyValueRepository { SQLKeyValueRepository(db: db) }
    var devices: any DeviceRepository { SQLDeviceRepository(db: db) }
    var nodes: any NodeRepository { SQLNodeRepository(db: db) }
    var leases: any LeaseRepository { SQLLeaseRepository(db: db) }
    var attemptCounts: any AttemptCountRepository { SQLAttemptCountRepository(db: db, backend: backend) }
    var events: any EventRepository { SQLEventRepository(db: db) }
    var smartModules: any SmartModuleRepository { SQLSmartModuleRepository(db: db) }
    var outbox: any OutboxRepository { SQLOutboxRepository(db: db, backend: backend) }
    var oauth: any OAuthRepository { SQLOAuthRepository(db: db) }
    var thingTypes: any ThingTypeRepository { SQLThingTypeRepository(db: db) }
    var mqttClients: any AccountMQTTClientRepository { SQLAccountMQTTClientRepository(db: db) }
    var readings: any ReadingRepository { SQLReadingRepository(db: db) }
    var registry: any RegistryRepository { SQLRegistryRepository(db: db) }
    var thingCommands: any ThingCommandRepository { SQLThingCommandRepository(db: db) }
    var rules: any RuleRepository { SQLRuleRepository(db: db, backend: backend) }
    var jobs: any JobRepository { SQLJobRepository(db: db, backend: backend) }
}

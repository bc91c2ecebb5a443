/// The core's front door: one value that holds every use case. Dialects get it at start-up and call
/// it with the caller's `Principal`; they never touch the store or the bus themselves.
public struct Nimbus: Sendable {
    public let environment: CoreEnvironment
    public let authenticator: Authenticator
    public let accounts: AccountUseCases
    public let homes: HomeUseCases
    public let keyValues: KeyValueUseCases
    public let devices: DeviceUseCases
    public let events: EventUseCases
    public let admin: AdminUseCases
    public let oauth: OAuthUseCases
    public let applications: ApplicationUseCases
    public let accountMembers: AccountMemberUseCases
    public let connections: DeviceConnectionTracker
    public let live: LiveUseCases
    public let things: ThingUseCases
    public let thingTypes: ThingTypeUseCases
    public let mqttClients: MQTTClientUseCases
    public let readings: ReadingUseCases
    public let registry: RegistryUseCases
    public let thingCommands: ThingCommandUseCases
    public let telemetry: TelemetryUseCases
    public let timeSeries: TimeSeriesUseCases
    public let rules: RuleUseCases
    public let jobs: JobUseCases

    public init(environment: CoreEnvironment) {
        self.environment = environment
        let connections = DeviceConnectionTracker(environment: environment)
        self.connections = connections
        self.authenticator = Authenticator(environment: environment)
        self.accounts = AccountUseCases(environment: environment)
        self.homes = HomeUseCases(environment: environment)
        self.keyValues = KeyValueUseCases(environment: environment)
        self.devices = DeviceUseCases(environment: environment, connections: connections)
        self.events = EventUseCases(environment: environment)
        self.admin = AdminUseCases(environment: environment)
        self.oauth = OAuthUseCases(environment: environment)
        self.applications = ApplicationUseCases(environment: environment)
        self.accountMembers = AccountMemberUseCases(environment: environment)
        self.live = LiveUseCases(environment: environment)
        self.things = ThingUseCases(environment: environment)
        self.thingTypes = ThingTypeUseCases(environment: environment)
        self.mqttClients = MQTTClientUseCases(environment: environment)
        self.readings = ReadingUseCases(environment: environment)
        self.registry = RegistryUseCases(environment: environment)
        self.thingCommands = ThingCommandUseCases(environment: environment)
        self.telemetry = TelemetryUseCases(environment: environment)
        self.timeSeries = TimeSeriesUseCases(environment: environment)
        self.rules = RuleUseCases(environment: environment)
        self.jobs = JobUseCases(environment: environment)
    }

    /// Gets the core ready to serve, once at start-up: loads (or makes) the token signing keys and records this
    /// server among those on the database. Alone on it (SQLite), every other server's device connections are
    /// forgotten at once, since after a start none is left; beside others, only those of servers gone silent
    /// (`beat`, which the server then repeats: `NodeHeartbeat`).
    public func start(forgettingServersSilentFor staleAfter: Duration) async throws {
        try await environment.signingKeys.load(from: environment.store, clock: environment.clock)
        try await beat(forgettingServersSilentFor: environment.bus.reachesOtherServers ? staleAfter : nil)
    }
}

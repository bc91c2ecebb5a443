/// Where live messages go: to a user's open event streams, a device's connections, the connections
/// opened with one credential, or everything that watches a whole project.
public enum BusTopic: Sendable, Hashable, Codable {
    /// Every event of one project, whatever its home (rules, the console, a dialect's project-wide feed).
    case project(Int)
    /// Events for one user (every home they are a member of).
    case user(Int)
    /// Commands and revocation for one device.
    case device(Int)
    /// Revocation of one user session.
    case session(Int)
    /// What happens to one home's things (a Cayenne account's): their readings and their commands' status.
    case home(Int)
    /// What the MQTT brokers of servers sharing a database tell each other (`BrokerNote`).
    case brokers
    /// Credentials revoked on one server that the others' caches must forget (`CredentialRevocation`).
    case credentials

    /// A topic's kind, without its id: what a publisher asks the bus about before it looks up whom to publish to.
    public enum Kind: Sendable, Hashable {
        case project, user, device, session, home, brokers, credentials
    }

    public var kind: Kind {
        switch self {
        case .project: .project
        case .user: .user
        case .device: .device
        case .session: .session
        case .home: .home
        case .brokers: .brokers
        case .credentials: .credentials
        }
    }
}

/// A credential revoked that belongs to no topic: the caches of the servers sharing a bus forget it.
public enum CredentialRevocation: Sendable, Hashable, Codable {
    /// One token, by its hash (an OAuth client's own access token).
    case token(hash: String)
    /// Every client token of an app (it was deactivated).
    case client(appId: String)
}

/// A message carried by the bus.
public enum BusMessage: Sendable, Hashable, Codable {
    case event(Event)
    case command(DeviceCommand)
    /// A Cayenne command for a thing's channel (published to the thing's topic).
    case thingCommand(ThingCommand)
    /// A device's key-value pair changed (published to the device's topic, for MQTT key-value sync).
    case keyValue(KeyValueChange)
    /// Readings just stored, of one home's things (published to the home's topic).
    case readings([Reading])
    /// A Cayenne command was sent, answered or timed out (published to its thing's home's topic).
    case commandStatus(ThingCommand)
    /// The credential behind the subscription is gone: close the connection.
    case revoked
    /// A note from one server's MQTT broker to the others'.
    case broker(BrokerNote)
    /// A credential that is not a topic's (an OAuth client's token, an app's tokens) was revoked on another server.
    case credentialRevoked(CredentialRevocation)
}

/// Carries live messages between the parts of Nimbus. Delivery is best effort and at most once: what
/// must survive is written to the store first.
public protocol MessageBus: Sendable {
    /// Subscribes to the topics; messages arrive on the subscription's stream until it is cancelled or
    /// the subscriber falls too far behind (then the stream ends).
    func subscribe(to topics: [BusTopic]) -> BusSubscription
    /// Publishes a message and returns how many subscribers received it.
    @discardableResult
    func publish(_ message: BusMessage, to topic: BusTopic) -> Int
    /// Whether a topic of that kind may have a subscriber: `false` lets a publisher skip the reads that would tell it
    /// which topics of the kind to publish to (the members of an event's home) when nobody listens to any. A bus
    /// that cannot tell (one shared by several processes) says `true`.
    func mayHaveSubscribers(_ kind: BusTopic.Kind) -> Bool
    /// Calls `handler` with each revocation (`.revoked` with its topic, `.credentialRevoked`) another process publishes
    /// on a bus they share, before its subscribers here get it: the credential cache forgets what the other node
    /// revoked (`CoreEnvironment.revoke` does it for this process's own). A bus of one process never calls it.
    func onRevocationFromElsewhere(_ handler: @escaping @Sendable (BusMessage, BusTopic) -> Void)
    /// Whether other servers share this bus (and the database): then this one is not alone, and what other servers
    /// hold (their device connections) is theirs until they stop beating.
    var reachesOtherServers: Bool { get }
    /// Publishes to the subscribers of the other servers sharing this bus only: a message this server has acted on
    /// already (a note of its MQTT broker). A bus of one process drops it.
    func publishToOtherServers(_ message: BusMessage, to topic: BusTopic)
}

extension MessageBus {
    public var reachesOtherServers: Bool { false }
    public func publishToOtherServers(_ message: BusMessage, to topic: BusTopic) {}
    public func mayHaveSubscribers(_ kind: BusTopic.Kind) -> Bool { true }
    public func onRevocationFromElsewhere(_ handler: @escaping @Sendable (BusMessage, BusTopic) -> Void) {}
}

/// One subscriber's view of the bus.
public struct BusSubscription: Sendable {
    public let messages: BusMessages
    private let cancellation: @Sendable () -> Void

    public init(messages: BusMessages, cancel: @escaping @Sendable () -> Void) {
        self.messages = messages
        self.cancellation = cancel
    }

    /// Stops the subscription and ends its stream.
    public func cancel() { cancellation() }
}

/// A subscriber's messages, in the order they were published. A bus queues each with its weight (what it counts
/// against the subscriber's bound, its size in bytes for `InProcessBus`), and the weight of each message taken is
/// handed back (`taken`), so a bus can bound what a subscriber has waiting in bytes as well as in messages
/// without weighing a message twice.
public struct BusMessages: AsyncSequence, Sendable {
    public typealias Element = BusMessage
    /// A message as a bus queues it.
    public typealias Queued = (message: BusMessage, weight: Int)
    private let stream: AsyncStream<Queued>
    private let taken: @Sendable (_ weight: Int) -> Void

    public init(_ stream: AsyncStream<Queued>, taken: @escaping @Sendable (_ weight: Int) -> Void = { _ in }) {
        self.stream = stream
        self.taken = taken
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: stream.makeAsyncIterator(), taken: taken)
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: AsyncStream<Queued>.Iterator
        let taken: @Sendable (_ weight: Int) -> Void

        public mutating func next() async -> BusMessage? {
            guard let queued = await base.next() else { return nil }
            taken(queued.weight)
            return queued.message
        }
    }
}

import Foundation
import Logging
import Metrics
import NimbusCore
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// The bus of one node among several on one PostgreSQL database (`docs/scale-out.md`): what a node publishes reaches
/// its own subscribers at once (through `local`, the bus a single process has) and every other node's through
/// PostgreSQL's `NOTIFY` on the channel `nimbus_bus`, which each node `LISTEN`s to on a connection of its own.
///
/// Messages are sent in batches: a sender takes everything published meanwhile and packs it into notifications of up
/// to `payloadLimit` bytes, all sent in one statement, so one notification carries many messages and a burst costs a
/// round trip, not one per message. A message too large for one notification (an event with a large body) is written
/// to `bus_spills` and its notification carries the row's id; spills are deleted after `spillLifetime`.
///
/// Delivery stays what `MessageBus` promises, best effort and at most once: what must survive is in the store first.
/// A node whose listening connection drops reconnects with backoff and, once listening again, ends every
/// subscription it holds: their connections close, and clients reconnect and read afresh what they may have missed
/// (the live streams of MODE, Cayenne and WiFi Motion all start from a read of the current state).
public final class PostgresBus: MessageBus, Service {
    static let channel = "nimbus_bus"
    /// Under PostgreSQL's 8,000-byte limit on a notification's payload, with room for the envelope.
    static let payloadLimit = 7_900
    static let spillLifetime: Duration = .seconds(60)

    /// This process among the nodes: its own notifications come back to it and are skipped.
    let node = UUID().uuidString.lowercased()
    private let local: InProcessBus
    private let store: SQLStore
    private let url: PostgresURL
    private let outgoingLimit: Int
    private let outgoingByteLimit: Int
    private let logger: Logger
    private let outgoing = Mutex(Outgoing())
    private let listening = Atomic<Bool>(false)
    private let revocationHandlers = Mutex<[@Sendable (BusMessage, BusTopic) -> Void]>([])
    private let sent = Counter(label: "nimbus_bus_notified_total")
    private let dropped = Counter(label: "nimbus_bus_dropped_total")
    private let received = Counter(label: "nimbus_bus_received_total")

    private struct Outgoing {
        /// Messages waiting for the sender, each already encoded as one `BusEnvelope.Item`.
        var items: [String] = []
        var bytes = 0
        var isSending = false
    }

    /// - Parameters:
    ///   - local: the process's own bus, which holds the subscriptions and their bounds.
    ///   - outgoingLimit: messages waiting to be sent to the other nodes, and `outgoingByteLimit` their bytes; past
    ///     either, new ones reach this node's subscribers only (counted in `nimbus_bus_dropped_total`), so a database
    ///     that stalls cannot grow memory.
    init(store: SQLStore, url: PostgresURL, local: InProcessBus, outgoingLimit: Int, outgoingByteLimit: Int, logger: Logger) {
        self.store = store
        self.url = url
        self.local = local
        self.outgoingLimit = outgoingLimit
        self.outgoingByteLimit = outgoingByteLimit
        self.logger = logger
    }

    /// Whether the node listens to the others now (for its readiness).
    public var isListening: Bool { listening.load(ordering: .relaxed) }

    /// Messages waiting to be sent to the other nodes (for tests of the bound).
    var outgoingCount: Int { outgoing.withLock { $0.items.count } }

    public func subscribe(to topics: [BusTopic]) -> BusSubscription {
        local.subscribe(to: topics)
    }

    @discardableResult
    public func publish(_ message: BusMessage, to topic: BusTopic) -> Int {
        let delivered = local.publish(message, to: topic)
        publishToOtherServers(message, to: topic)
        return delivered
    }

    public func publishToOtherServers(_ message: BusMessage, to topic: BusTopic) {
        guard let item = BusEnvelope.encode(.message(topic: topic, message: message)) else { return }
        let startsSender = outgoing.withLock { outgoing in
            guard outgoing.items.count < outgoingLimit, outgoing.bytes + item.utf8.count <= outgoingByteLimit else { return false as Bool? }
            outgoing.items.append(item)
            outgoing.bytes += item.utf8.count
            defer { outgoing.isSending = true }
            return !outgoing.isSending
        }
        switch startsSender {
        case .none: dropped.increment()
        case .some(true): Task { await self.sendUntilEmpty() }
        case .some(false): break
        }
    }

    /// Another node may have a subscriber to any topic.
    public func mayHaveSubscribers(_ kind: BusTopic.Kind) -> Bool { true }

    public var reachesOtherServers: Bool { true }

    public func onRevocationFromElsewhere(_ handler: @escaping @Sendable (BusMessage, BusTopic) -> Void) {
        revocationHandlers.withLock { $0.append(handler) }
    }

    /// Listens to the other nodes until the server stops, reconnecting after a lost connection.
    public func run() async throws {
        await cancelWhenGracefulShutdown {
            var backoff: Duration = .milliseconds(100)
            var everListened = false
            while !Task.isCancelled {
                do {
                    try await self.listen(resynchronising: everListened) { everListened = true; backoff = .milliseconds(100) }
                } catch where !Task.isCancelled {
                    self.logger.warning("bus: lost the database connection it listens on", metadata: ["error": "\(String(reflecting: error))"])
                } catch {}
                if self.listening.exchange(false, ordering: .relaxed) { self.local.endSubscriptions() }
                try? await Task.sleep(for: backoff)
                backoff = min(backoff * 2, .seconds(5))
            }
        }
    }

    /// One listening connection, for as long as it lasts.
    private func listen(resynchronising: Bool, onListening: () -> Void) async throws {
        let connection = try await PostgresConnection.connect(
            configuration: url.connectionConfiguration, id: 0, logger: logger)
        defer { Task { try? await connection.close() } }
        try await connection.listen(on: Self.channel) { notifications in
            // Whatever was published while this node did not listen is lost to its subscribers: they reconnect.
            if resynchronising { local.endSubscriptions() }
            listening.store(true, ordering: .relaxed)
            onListening()
            logger.info("bus: listening to the other nodes", metadata: ["node": "\(node)"])
            for try await notification in notifications { await receive(notification.payload) }
        }
    }

    /// Delivers another node's messages to this node's subscribers, in the order they were published.
    private func receive(_ payload: String) async {
        guard let envelope = BusEnvelope.decode(payload), envelope.node != node else { return }
        for item in envelope.items {
            switch item {
            case .message(let topic, let message):
                deliver(message, to: topic)
            case .spill(let id):
                guard let text = try? await store.withConnection({ db in try await BusSpills.read(id, in: db) }),
                    case .message(let topic, let message) = BusEnvelope.decodeItem(text)
                else { continue }
                deliver(message, to: topic)
            }
        }
    }

    private func deliver(_ message: BusMessage, to topic: BusTopic) {
        received.increment()
        switch message {
        case .revoked, .credentialRevoked:
            for handler in revocationHandlers.withLock({ $0 }) { handler(message, topic) }
        default: break
        }
        local.publish(message, to: topic)
    }

    /// Sends what is waiting, batch after batch, until nothing is.
    private func sendUntilEmpty() async {
        while true {
            let items = outgoing.withLock { outgoing in
                defer {
                    outgoing.items.removeAll(keepingCapacity: true)
                    outgoing.bytes = 0
                }
                if outgoing.items.isEmpty { outgoing.isSending = false }
                return outgoing.items
            }
            guard !items.isEmpty else { return }
            do {
                let payloads = try await BusEnvelope.pack(items, node: node, limit: Self.payloadLimit) { item in
                    try await self.store.withConnection { db in try await BusSpills.write(item, in: db, keeping: Self.spillLifetime) }
                }
                try await store.withConnection { db in try await BusSpills.notify(Self.channel, payloads, in: db) }
                sent.increment(by: items.count)
            } catch {
                dropped.increment(by: items.count)
                logger.warning("bus: could not notify the other nodes", metadata: [
                    "messages": "\(items.count)", "error": "\(String(reflecting: error))"])
            }
        }
    }
}

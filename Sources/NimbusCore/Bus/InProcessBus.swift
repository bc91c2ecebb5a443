import Synchronization

/// The bus of one Nimbus process. Each subscriber has a bounded queue: a subscriber that falls more
/// than `queueLimit` messages or `byteLimit` bytes (`BusMessage.approximateSize`) behind has its stream ended
/// (its connection closes) instead of slowing the publisher or growing memory without bound.
public final class InProcessBus: MessageBus {
    private struct Subscriber {
        let continuation: AsyncStream<BusMessages.Queued>.Continuation
        let topics: [BusTopic]
        let backlog: Backlog
    }

    /// The bytes of a subscriber's queued messages: added when a message is queued, taken off when it is read.
    private final class Backlog: Sendable {
        let bytes = Atomic<Int>(0)
    }

    private struct State {
        var nextId = 0
        var subscribers: [Int: Subscriber] = [:]
        var byTopic: [BusTopic: Set<Int>] = [:]
        /// Subscribed topics of each kind, counted once per subscriber and topic.
        var byKind: [BusTopic.Kind: Int] = [:]
    }

    private let state = Mutex(State())
    private let queueLimit: Int
    private let byteLimit: Int

    /// - Parameters:
    ///   - queueLimit: messages one subscriber may have waiting.
    ///   - byteLimit: their bytes; larger than the largest message, which would otherwise end every stream it
    ///     goes to.
    public init(queueLimit: Int = 1024, byteLimit: Int = 16 << 20) {
        self.queueLimit = queueLimit
        self.byteLimit = byteLimit
    }

    public func subscribe(to topics: [BusTopic]) -> BusSubscription {
        let (stream, continuation) = AsyncStream<BusMessages.Queued>.makeStream(bufferingPolicy: .bufferingOldest(queueLimit))
        let backlog = Backlog()
        let id = state.withLock { state in
            let id = state.nextId
            state.nextId += 1
            state.subscribers[id] = Subscriber(continuation: continuation, topics: topics, backlog: backlog)
            for topic in topics where state.byTopic[topic, default: []].insert(id).inserted { state.byKind[topic.kind, default: 0] += 1 }
            return id
        }
        continuation.onTermination = { [weak self] _ in self?.remove(id) }
        let messages = BusMessages(stream) { size in backlog.bytes.subtract(size, ordering: .relaxed) }
        return BusSubscription(messages: messages) { continuation.finish() }
    }

    @discardableResult
    public func publish(_ message: BusMessage, to topic: BusTopic) -> Int {
        let receivers = state.withLock { state in
            (state.byTopic[topic] ?? []).compactMap { id in state.subscribers[id].map { ($0.continuation, $0.backlog) } }
        }
        guard !receivers.isEmpty else { return 0 }
        let size = message.approximateSize
        var delivered = 0
        for (continuation, backlog) in receivers {
            guard backlog.bytes.add(size, ordering: .relaxed).newValue <= byteLimit else {
                continuation.finish()  // too far behind in bytes: disconnect, as for too many messages
                continue
            }
            switch continuation.yield((message, size)) {
            case .enqueued: delivered += 1
            case .dropped: continuation.finish()  // too slow: disconnect rather than lose silently
            case .terminated: break
            @unknown default: break
            }
        }
        return delivered
    }

    public func mayHaveSubscribers(_ kind: BusTopic.Kind) -> Bool {
        state.withLock { ($0.byKind[kind] ?? 0) > 0 }
    }

    /// Ends every subscription: their connections close and their clients reconnect. For a bus shared between
    /// nodes that was cut off from the others for a while (`PostgresBus`): what its subscribers missed, they read
    /// again when they reconnect.
    public func endSubscriptions() {
        let continuations = state.withLock { state in state.subscribers.values.map(\.continuation) }
        for continuation in continuations { continuation.finish() }
    }

    /// How many subscriptions are open (for metrics and tests).
    public var subscriptionCount: Int {
        state.withLock { $0.subscribers.count }
    }

    private func remove(_ id: Int) {
        state.withLock { state in
            guard let subscriber = state.subscribers.removeValue(forKey: id) else { return }
            for topic in subscriber.topics where state.byTopic[topic]?.remove(id) != nil {
                state.byKind[topic.kind, default: 1] -= 1
                if state.byTopic[topic]?.isEmpty == true { state.byTopic[topic] = nil }
            }
        }
    }
}

import Synchronization

/// The bus of one Nimbus process. Each subscriber has a bounded queue: a subscriber that falls more
/// than `queueLimit` messages behind has its stream ended (its connection closes) instead of slowing
/// the publisher or growing memory without bound.
public final class InProcessBus: MessageBus {
    private struct Subscriber {
        let continuation: AsyncStream<BusMessage>.Continuation
        let topics: [BusTopic]
    }

    private struct State {
        var nextId = 0
        var subscribers: [Int: Subscriber] = [:]
        var byTopic: [BusTopic: Set<Int>] = [:]
    }

    private let state = Mutex(State())
    private let queueLimit: Int

    public init(queueLimit: Int = 1024) {
        self.queueLimit = queueLimit
    }

    public func subscribe(to topics: [BusTopic]) -> BusSubscription {
        let (stream, continuation) = AsyncStream<BusMessage>.makeStream(bufferingPolicy: .bufferingOldest(queueLimit))
        let id = state.withLock { state in
            let id = state.nextId
            state.nextId += 1
            state.subscribers[id] = Subscriber(continuation: continuation, topics: topics)
            for topic in topics { state.byTopic[topic, default: []].insert(id) }
            return id
        }
        continuation.onTermination = { [weak self] _ in self?.remove(id) }
        return BusSubscription(messages: stream) { continuation.finish() }
    }

    @discardableResult
    public func publish(_ message: BusMessage, to topic: BusTopic) -> Int {
        let receivers = state.withLock { state in
            (state.byTopic[topic] ?? []).compactMap { state.subscribers[$0]?.continuation }
        }
        var delivered = 0
        for continuation in receivers {
            switch continuation.yield(message) {
            case .enqueued: delivered += 1
            case .dropped: continuation.finish()  // too slow: disconnect rather than lose silently
            case .terminated: break
            @unknown default: break
            }
        }
        return delivered
    }

    /// How many subscriptions are open (for metrics and tests).
    public var subscriptionCount: Int {
        state.withLock { $0.subscribers.count }
    }

    private func remove(_ id: Int) {
        state.withLock { state in
            guard let subscriber = state.subscribers.removeValue(forKey: id) else { return }
            for topic in subscriber.topics {
                state.byTopic[topic]?.remove(id)
                if state.byTopic[topic]?.isEmpty == true { state.byTopic[topic] = nil }
            }
        }
    }
}

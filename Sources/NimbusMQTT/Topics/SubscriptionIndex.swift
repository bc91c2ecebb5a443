/// Every subscription of the broker, indexed for the question asked on each PUBLISH: who receives a message
/// published to this topic?
///
/// A value type over a trie keyed by topic level, with `+` as a child key and `#` subscriptions kept on the node
/// they hang from. A lookup walks one path per literal level plus one per `+` branch, so its cost grows with the
/// topic's depth and the wildcard branches that exist along it, not with the number of subscriptions. Because it
/// is a value, the broker can hand out a consistent snapshot while it keeps mutating its own copy (copy on write).
///
/// ```swift
/// var index = SubscriptionIndex<String>()               // subscribers identified by client id
/// index.insert("sensor-7", filter: try MQTTTopicFilter("home/+/temperature"), options: .init(qos: .atLeastOnce))
/// index.insert("logger", filter: try MQTTTopicFilter("home/#"), identifier: 12)
/// index.insert("worker-1", filter: try MQTTTopicFilter("$share/workers/home/#"))
/// let matches = index.matches(topic: "home/kitchen/temperature", publisher: "sensor-7")
/// for delivery in matches.deliveries { /* send at delivery.qos with delivery.subscriptionIdentifiers */ }
/// for group in matches.sharedGroups { /* pick one of group.members */ }
/// index.removeAll(of: "logger")                          // the session ended
/// ```
public struct SubscriptionIndex<Subscriber: Hashable> {
    /// One subscription as stored: who subscribed, with which filter, and how to deliver.
    public struct Subscription: Hashable {
        public let subscriber: Subscriber
        public let filter: MQTTTopicFilter
        public var options: MQTTSubscriptionOptions
        /// The MQTT 5 Subscription Identifier given in SUBSCRIBE, sent back with every message it matches.
        public var identifier: UInt32?

        public init(subscriber: Subscriber, filter: MQTTTopicFilter, options: MQTTSubscriptionOptions, identifier: UInt32?) {
            self.subscriber = subscriber
            self.filter = filter
            self.options = options
            self.identifier = identifier
        }
    }

    private var root = Node()
    /// Each subscriber's filters, so a session's subscriptions can be listed and removed without a full walk.
    private var filtersBySubscriber: [Subscriber: Set<MQTTTopicFilter>] = [:]

    /// The number of subscriptions.
    public private(set) var count = 0

    public init() {}

    public var isEmpty: Bool { count == 0 }

    /// Adds a subscription, or replaces the subscriber's subscription with the same filter (MQTT-3.8.4-3: a
    /// repeated SUBSCRIBE replaces the options, it does not add a second subscription).
    ///
    /// - Returns: the replaced subscription, or `nil` if it is new; MQTT 5's Retain Handling 1 ("send retained
    ///   messages only for a new subscription") needs the difference.
    @discardableResult
    public mutating func insert(
        _ subscriber: Subscriber,
        filter: MQTTTopicFilter,
        options: MQTTSubscriptionOptions = .init(),
        identifier: UInt32? = nil
    ) -> Subscription? {
        let subscription = Subscription(subscriber: subscriber, filter: filter, options: options, identifier: identifier)
        let replaced = root.insert(subscription, levels: filter.levels[...])
        if replaced == nil {
            count += 1
            filtersBySubscriber[subscriber, default: []].insert(filter)
        }
        return replaced
    }

    /// Removes the subscriber's subscription with `filter`.
    ///
    /// - Returns: the removed subscription, or `nil` if there was none (MQTT 5 UNSUBACK 0x11).
    @discardableResult
    public mutating func remove(_ subscriber: Subscriber, filter: MQTTTopicFilter) -> Subscription? {
        guard let removed = root.remove(subscriber, filter: filter, levels: filter.levels[...]) else { return nil }
        count -= 1
        filtersBySubscriber[subscriber]?.remove(filter)
        if filtersBySubscriber[subscriber]?.isEmpty == true { filtersBySubscriber[subscriber] = nil }
        return removed
    }

    /// Removes every subscription of `subscriber`, as when a session ends; costs one removal per subscription.
    ///
    /// - Returns: the removed subscriptions.
    @discardableResult
    public mutating func removeAll(of subscriber: Subscriber) -> [Subscription] {
        guard let filters = filtersBySubscriber.removeValue(forKey: subscriber) else { return [] }
        let removed = filters.compactMap { root.remove(subscriber, filter: $0, levels: $0.levels[...]) }
        count -= removed.count
        return removed
    }

    /// The subscriber's subscriptions, in no particular order; what a resumed session restores.
    public func subscriptions(of subscriber: Subscriber) -> [Subscription] {
        filtersBySubscriber[subscriber, default: []].compactMap { root.subscription(of: subscriber, filter: $0, levels: $0.levels[...]) }
    }

    /// Who receives a message published to `topic`.
    ///
    /// - Parameters:
    ///   - topic: a valid topic name (see `MQTTTopicName`); topics starting with `$` match no filter that starts
    ///     with a wildcard.
    ///   - publisher: the publishing subscriber, if it has subscriptions: its own No Local subscriptions are skipped.
    ///   - firstLevel: where the topic begins for its publisher: the number of mount-point levels in front of it,
    ///     so that inside a mount point `$…` topics are kept from wildcards as they are at the root.
    /// - Returns: one delivery per subscriber, merged across its matching filters as the spec requires for
    ///   overlapping subscriptions (MQTT-3.3.4-2, -3), and each matching shared subscription group with all its
    ///   members, for the broker to pick one.
    public func matches(topic: String, publisher: Subscriber? = nil, firstLevel: Int = 0) -> Matches {
        let levels = topic.split(separator: "/", omittingEmptySubsequences: false)
        var collector = MatchCollector(publisher: publisher)
        root.collect(levels: levels[...], protectedDepth: firstLevel, into: &collector)
        return collector.matches
    }
}

extension SubscriptionIndex: Sendable where Subscriber: Sendable {}
extension SubscriptionIndex.Subscription: Sendable where Subscriber: Sendable {}

extension SubscriptionIndex {
    /// One level of the trie: the subscriptions whose filter ends here and the levels below.
    ///
    /// A filter ending in `#` is stored on the node of the level before it (`multiLevel`), because `a/#` matches
    /// `a` itself and everything under it: whatever reaches the node matches. `+` is an ordinary child key; a
    /// valid topic name never contains `+`, so it cannot collide with a literal level.
    struct Node {
        var children: [String: Node] = [:]
        /// Subscriptions whose filter ends exactly at this level.
        var exact = SubscriberSet()
        /// Subscriptions whose filter is this level followed by `#`.
        var multiLevel = SubscriberSet()

        var isEmpty: Bool { children.isEmpty && exact.isEmpty && multiLevel.isEmpty }

        mutating func insert(_ subscription: Subscription, levels: ArraySlice<String>) -> Subscription? {
            guard let level = levels.first else { return exact.insert(subscription) }
            if level == "#" { return multiLevel.insert(subscription) }
            return children[level, default: Node()].insert(subscription, levels: levels.dropFirst())
        }

        /// Removes a subscription and prunes the nodes it leaves empty, so the trie never outgrows its contents.
        mutating func remove(_ subscriber: Subscriber, filter: MQTTTopicFilter, levels: ArraySlice<String>) -> Subscription? {
            guard let level = levels.first else { return exact.remove(subscriber, shareName: filter.shareName) }
            if level == "#" { return multiLevel.remove(subscriber, shareName: filter.shareName) }
            guard let removed = children[level]?.remove(subscriber, filter: filter, levels: levels.dropFirst()) else { return nil }
            if children[level]?.isEmpty == true { children[level] = nil }
            return removed
        }

        func subscription(of subscriber: Subscriber, filter: MQTTTopicFilter, levels: ArraySlice<String>) -> Subscription? {
            guard let level = levels.first else { return exact.subscription(of: subscriber, shareName: filter.shareName) }
            if level == "#" { return multiLevel.subscription(of: subscriber, shareName: filter.shareName) }
            return children[level]?.subscription(of: subscriber, filter: filter, levels: levels.dropFirst())
        }

        /// Collects every subscription matching the remaining topic `levels`.
        ///
        /// - Parameter protectedDepth: how many levels below this node the topic's first level as its publisher
        ///   sees it lies (0 at the root without mount points). If that level starts with `$`, the `+` and `#`
        ///   branches are skipped there (MQTT-4.7.2-1); a negative value means it is behind us.
        func collect(levels: ArraySlice<Substring>, protectedDepth: Int, into collector: inout MatchCollector) {
            let guarded = protectedDepth == 0 && levels.first?.hasPrefix("$") == true
            if !guarded { collector.add(multiLevel) }
            guard let level = levels.first else {
                collector.add(exact)
                return
            }
            let rest = levels.dropFirst()
            children[String(level)]?.collect(levels: rest, protectedDepth: protectedDepth - 1, into: &collector)
            if !guarded {
                children["+"]?.collect(levels: rest, protectedDepth: protectedDepth - 1, into: &collector)
            }
        }
    }

    /// The subscriptions that end at one place in the trie: ordinary ones by subscriber, shared ones by share
    /// name and then subscriber (each share name here is one group: same share name, same filter).
    struct SubscriberSet {
        var direct: [Subscriber: Subscription] = [:]
        var shared: [String: [Subscriber: Subscription]] = [:]

        var isEmpty: Bool { direct.isEmpty && shared.isEmpty }

        mutating func insert(_ subscription: Subscription) -> Subscription? {
            if let shareName = subscription.filter.shareName {
                return shared[shareName, default: [:]].updateValue(subscription, forKey: subscription.subscriber)
            }
            return direct.updateValue(subscription, forKey: subscription.subscriber)
        }

        mutating func remove(_ subscriber: Subscriber, shareName: String?) -> Subscription? {
            guard let shareName else { return direct.removeValue(forKey: subscriber) }
            let removed = shared[shareName]?.removeValue(forKey: subscriber)
            if shared[shareName]?.isEmpty == true { shared[shareName] = nil }
            return removed
        }

        func subscription(of subscriber: Subscriber, shareName: String?) -> Subscription? {
            guard let shareName else { return direct[subscriber] }
            return shared[shareName]?[subscriber]
        }
    }
}

extension SubscriptionIndex.Node: Sendable where Subscriber: Sendable {}
extension SubscriptionIndex.SubscriberSet: Sendable where Subscriber: Sendable {}

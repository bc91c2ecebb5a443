extension SubscriptionIndex {
    /// What `matches(topic:publisher:)` found: the subscribers to deliver to and the shared groups to pick from.
    public struct Matches {
        /// One per subscriber with at least one matching ordinary subscription.
        public var deliveries: [Delivery]
        /// One per matching shared subscription group (share name + filter).
        public var sharedGroups: [SharedGroup]

        public var isEmpty: Bool { deliveries.isEmpty && sharedGroups.isEmpty }
    }

    /// How one subscriber receives a message, merged over all its ordinary subscriptions that match it.
    ///
    /// The spec lets a server deliver overlapping subscriptions as a single copy, which must then use the
    /// maximum QoS of the matching subscriptions and carry all their subscription identifiers (MQTT-3.3.4-3, -5).
    public struct Delivery: Hashable {
        public let subscriber: Subscriber
        /// The highest QoS among the matching subscriptions; the message goes out at min(this, message QoS).
        public var qos: MQTTQoS
        /// Whether any matching subscription asked to keep the publisher's RETAIN flag.
        public var retainAsPublished: Bool
        /// The identifiers of the matching subscriptions that have one, ascending.
        public var subscriptionIdentifiers: [UInt32]
    }

    /// The members of one shared subscription group that matched; the broker delivers to one of them.
    public struct SharedGroup: Hashable {
        public let shareName: String
        /// The group's full filter, `$share/{shareName}/…`.
        public let filter: MQTTTopicFilter
        /// Every member's subscription, in no particular order; each keeps its own QoS and identifier.
        public var members: [Subscription]
    }

    /// Accumulates matches while the trie is walked.
    struct MatchCollector {
        let publisher: Subscriber?
        private var deliveries: [Subscriber: Delivery] = [:]
        private var sharedGroups: [SharedGroup] = []

        init(publisher: Subscriber?) {
            self.publisher = publisher
        }

        mutating func add(_ set: SubscriberSet) {
            for subscription in set.direct.values {
                add(subscription)
            }
            for (shareName, members) in set.shared {
                guard let filter = members.first?.value.filter else { continue }
                sharedGroups.append(SharedGroup(shareName: shareName, filter: filter, members: Array(members.values)))
            }
        }

        private mutating func add(_ subscription: Subscription) {
            let options = subscription.options
            if options.noLocal, subscription.subscriber == publisher { return }
            let identifiers = subscription.identifier.map { [$0] } ?? []
            guard var delivery = deliveries[subscription.subscriber] else {
                deliveries[subscription.subscriber] = Delivery(
                    subscriber: subscription.subscriber,
                    qos: options.qos,
                    retainAsPublished: options.retainAsPublished,
                    subscriptionIdentifiers: identifiers
                )
                return
            }
            delivery.qos = max(delivery.qos, options.qos)
            delivery.retainAsPublished = delivery.retainAsPublished || options.retainAsPublished
            delivery.subscriptionIdentifiers = (delivery.subscriptionIdentifiers + identifiers).sorted()
            deliveries[subscription.subscriber] = delivery
        }

        var matches: Matches {
            Matches(deliveries: Array(deliveries.values), sharedGroups: sharedGroups)
        }
    }
}

extension SubscriptionIndex.Matches: Sendable where Subscriber: Sendable {}
extension SubscriptionIndex.Delivery: Sendable where Subscriber: Sendable {}
extension SubscriptionIndex.SharedGroup: Sendable where Subscriber: Sendable {}

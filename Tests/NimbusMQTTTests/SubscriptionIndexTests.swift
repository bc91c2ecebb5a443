import NimbusMQTT
import Testing

@Suite("Subscription index")
struct SubscriptionIndexTests {
    private func filter(_ text: String) throws -> MQTTTopicFilter { try MQTTTopicFilter(text) }

    private func subscribers(_ matches: SubscriptionIndex<String>.Matches) -> Set<String> {
        Set(matches.deliveries.map(\.subscriber))
    }

    @Test("insert adds, a repeated filter replaces, remove takes it away")
    func insertReplaceRemove() throws {
        var index = SubscriptionIndex<String>()
        #expect(index.isEmpty)
        #expect(index.insert("a", filter: try filter("x/+"), options: .init(qos: .atMostOnce)) == nil)
        let replaced = index.insert("a", filter: try filter("x/+"), options: .init(qos: .exactlyOnce), identifier: 4)
        #expect(replaced?.options.qos == .atMostOnce, "the previous subscription is returned")
        #expect(index.count == 1)
        #expect(index.matches(topic: "x/y").deliveries.first?.qos == .exactlyOnce)
        #expect(index.matches(topic: "x/y").deliveries.first?.subscriptionIdentifiers == [4])

        #expect(index.remove("a", filter: try filter("x/#")) == nil, "another filter is another subscription")
        #expect(index.remove("b", filter: try filter("x/+")) == nil, "another subscriber's")
        #expect(index.remove("a", filter: try filter("x/+"))?.identifier == 4)
        #expect(index.isEmpty)
        #expect(index.matches(topic: "x/y").isEmpty)
    }

    @Test("a subscriber matching through several filters gets one delivery at the maximum QoS with every identifier")
    func overlap() throws {
        var index = SubscriptionIndex<String>()
        index.insert("a", filter: try filter("home/+/temp"), options: .init(qos: .atLeastOnce), identifier: 7)
        index.insert("a", filter: try filter("home/#"), options: .init(qos: .exactlyOnce, retainAsPublished: true), identifier: 2)
        index.insert("a", filter: try filter("home/kitchen/temp"), options: .init(qos: .atMostOnce))
        index.insert("b", filter: try filter("home/kitchen/+"), options: .init(qos: .atMostOnce))
        index.insert("c", filter: try filter("garden/#"))

        let matches = index.matches(topic: "home/kitchen/temp")
        #expect(matches.deliveries.count == 2)
        let a = try #require(matches.deliveries.first { $0.subscriber == "a" })
        #expect(a.qos == .exactlyOnce)
        #expect(a.retainAsPublished)
        #expect(a.subscriptionIdentifiers == [2, 7])
        #expect(matches.deliveries.first { $0.subscriber == "b" }?.qos == .atMostOnce)
        #expect(subscribers(index.matches(topic: "home")) == ["a"], "home/# matches its parent level")
    }

    @Test("No Local skips the publisher's own subscription, but not its other matching ones")
    func noLocal() throws {
        var index = SubscriptionIndex<String>()
        index.insert("a", filter: try filter("chat/#"), options: .init(qos: .atLeastOnce, noLocal: true))
        index.insert("b", filter: try filter("chat/#"), options: .init(noLocal: true))
        #expect(subscribers(index.matches(topic: "chat/room", publisher: "a")) == ["b"])
        #expect(subscribers(index.matches(topic: "chat/room")) == ["a", "b"])
        index.insert("a", filter: try filter("chat/room"), options: .init(qos: .atMostOnce))
        let delivery = index.matches(topic: "chat/room", publisher: "a").deliveries.first { $0.subscriber == "a" }
        #expect(delivery?.qos == .atMostOnce, "delivered through the subscription without No Local only")
    }

    @Test("wildcard-first filters do not see $ topics")
    func systemTopics() throws {
        var index = SubscriptionIndex<String>()
        index.insert("all", filter: try filter("#"))
        index.insert("plus", filter: try filter("+/broker/uptime"))
        index.insert("sys", filter: try filter("$SYS/#"))
        index.insert("uptime", filter: try filter("$SYS/+/uptime"))
        #expect(subscribers(index.matches(topic: "$SYS/broker/uptime")) == ["sys", "uptime"])
        #expect(subscribers(index.matches(topic: "x/broker/uptime")) == ["all", "plus"])
    }

    @Test("inside a mount point the $ rule applies to the first level after it")
    func systemTopicsInMountPoint() throws {
        var index = SubscriptionIndex<String>()
        index.insert("all", filter: try filter("p1/#"))
        index.insert("plus", filter: try filter("p1/+/x"))
        index.insert("sys", filter: try filter("p1/$t/#"))
        index.insert("deep", filter: try filter("p1/a/#"))
        #expect(subscribers(index.matches(topic: "p1/$t/x", firstLevel: 1)) == ["sys"])
        #expect(subscribers(index.matches(topic: "p1/a/x", firstLevel: 1)) == ["all", "plus", "deep"])
        #expect(subscribers(index.matches(topic: "p1/a/$x", firstLevel: 1)) == ["all", "deep"], "only the first level is protected")
        #expect(subscribers(index.matches(topic: "p1/$t/x")) == ["all", "plus", "sys"], "at the root, p1 is the first level")
    }

    @Test("shared subscriptions come back as groups, one per share name and filter")
    func sharedGroups() throws {
        var index = SubscriptionIndex<String>()
        index.insert("w1", filter: try filter("$share/workers/jobs/+"), options: .init(qos: .atLeastOnce))
        index.insert("w2", filter: try filter("$share/workers/jobs/+"), options: .init(qos: .exactlyOnce))
        index.insert("w3", filter: try filter("$share/auditors/jobs/+"))
        index.insert("w1", filter: try filter("$share/workers/jobs/#"))
        index.insert("w1", filter: try filter("jobs/+"))

        let matches = index.matches(topic: "jobs/42")
        #expect(subscribers(matches) == ["w1"], "ordinary subscriptions are delivered as usual")
        let groups = Dictionary(uniqueKeysWithValues: matches.sharedGroups.map { ("\($0.filter)", $0) })
        #expect(Set(groups.keys) == ["$share/workers/jobs/+", "$share/auditors/jobs/+", "$share/workers/jobs/#"])
        let workers = try #require(groups["$share/workers/jobs/+"])
        #expect(workers.shareName == "workers")
        #expect(Set(workers.members.map(\.subscriber)) == ["w1", "w2"])
        #expect(workers.members.first { $0.subscriber == "w2" }?.options.qos == .exactlyOnce)

        index.remove("w2", filter: try filter("$share/workers/jobs/+"))
        let after = index.matches(topic: "jobs/42").sharedGroups.first { $0.filter.rawValue == "$share/workers/jobs/+" }
        #expect(after?.members.map(\.subscriber) == ["w1"])
    }

    @Test("removeAll(of:) removes every subscription of a subscriber, shared ones included")
    func removeAll() throws {
        var index = SubscriptionIndex<String>()
        index.insert("a", filter: try filter("x/#"))
        index.insert("a", filter: try filter("y"))
        index.insert("a", filter: try filter("$share/g/x/+"))
        index.insert("b", filter: try filter("x/+"))
        #expect(Set(index.subscriptions(of: "a").map(\.filter.rawValue)) == ["x/#", "y", "$share/g/x/+"])

        let removed = index.removeAll(of: "a")
        #expect(Set(removed.map(\.filter.rawValue)) == ["x/#", "y", "$share/g/x/+"])
        #expect(index.count == 1)
        #expect(index.subscriptions(of: "a").isEmpty)
        #expect(subscribers(index.matches(topic: "x/1")) == ["b"])
        #expect(index.matches(topic: "x/1").sharedGroups.isEmpty)
        #expect(index.removeAll(of: "a").isEmpty)
    }

    @Test("the index is a value: a copy does not see later changes")
    func valueSemantics() throws {
        var index = SubscriptionIndex<String>()
        index.insert("a", filter: try filter("x"))
        let snapshot = index
        index.insert("b", filter: try filter("x"))
        index.remove("a", filter: try filter("x"))
        #expect(subscribers(snapshot.matches(topic: "x")) == ["a"])
        #expect(subscribers(index.matches(topic: "x")) == ["b"])
    }

    @Test("random subscriptions and removals agree with matching every filter one by one")
    func agreesWithBruteForce() throws {
        var random = SeededRandom(seed: 2024)
        let words = ["a", "b", "c", "", "$x"]
        func randomLevels(wildcards: Bool) -> [String] {
            let levels = (0..<Int.random(in: 1...4, using: &random)).map { position in
                let roll = Int.random(in: 0..<10, using: &random)
                if wildcards, roll == 0 { return "+" }
                if position > 0 || !wildcards { return words[roll % 4] }
                return words[roll % words.count]
            }
            return levels == [""] ? ["a"] : levels  // neither a topic nor a filter may be empty
        }
        var index = SubscriptionIndex<Int>()
        var reference: [Int: [String: MQTTSubscriptionOptions]] = [:]
        for step in 0..<3000 {
            let subscriber = Int.random(in: 0..<40, using: &random)
            var levels = randomLevels(wildcards: true)
            if Int.random(in: 0..<5, using: &random) == 0 { levels.append("#") }
            let text = levels.joined(separator: "/")
            if step % 4 == 3, let existing = reference[subscriber]?.keys.randomElement(using: &random) {
                #expect(index.remove(subscriber, filter: try filter(existing)) != nil)
                reference[subscriber]?[existing] = nil
            } else {
                let options = MQTTSubscriptionOptions(qos: MQTTQoS.allCases.randomElement(using: &random)!)
                index.insert(subscriber, filter: try filter(text), options: options)
                reference[subscriber, default: [:]][text] = options
            }
        }
        #expect(index.count == reference.values.map(\.count).reduce(0, +))
        for _ in 0..<500 {
            let topic = randomLevels(wildcards: false).joined(separator: "/")
            var expected: [Int: MQTTQoS] = [:]
            for (subscriber, filters) in reference {
                for (text, options) in filters where try filter(text).matches(topicName: topic) {
                    expected[subscriber] = max(expected[subscriber] ?? .atMostOnce, options.qos)
                }
            }
            let actual = Dictionary(uniqueKeysWithValues: index.matches(topic: topic).deliveries.map { ($0.subscriber, $0.qos) })
            #expect(actual == expected, "\(topic)")
        }
    }
}

import NimbusMQTT
import Testing

/// A smoke test at broker scale: it prints timings for a human to read and asserts only correctness, because
/// timings depend on the machine and the build configuration.
@Suite("Subscription index at 100k subscriptions")
struct SubscriptionIndexPerformanceTests {
    @Test("100,000 subscriptions: build, look up and remove")
    func hundredThousand() throws {
        let clock = ContinuousClock()
        let devices = 20_000
        var index = SubscriptionIndex<Int>()
        // Five subscriptions per client, mixing exact, +, # and shared filters the way device fleets do.
        let buildTime = try clock.measure {
            for device in 0..<devices {
                index.insert(device, filter: try MQTTTopicFilter("devices/\(device)/commands"), options: .init(qos: .atLeastOnce))
                index.insert(device, filter: try MQTTTopicFilter("devices/\(device)/+/set"))
                index.insert(device, filter: try MQTTTopicFilter("tenants/\(device % 100)/#"))
                index.insert(device, filter: try MQTTTopicFilter("sensors/+/\(device % 1000)/temperature"))
                index.insert(device, filter: try MQTTTopicFilter("$share/workers\(device % 7)/jobs/\(device % 50)/#"))
            }
        }
        #expect(index.count == 100_000)

        // Narrow lookups reach one subscriber each; fan-out lookups reach 200 subscribers (a tenant's #) or
        // 7 shared groups of about 57 members (a job), so their cost is mostly building the result.
        let lookups = 10_000
        var narrow = 0
        let narrowTime = clock.measure {
            for lookup in 0..<lookups {
                let device = (lookup &* 7919) % devices
                let topic = lookup.isMultiple(of: 2) ? "devices/\(device)/commands" : "devices/\(device)/light/set"
                narrow += index.matches(topic: topic).deliveries.count
            }
        }
        #expect(narrow == lookups)

        var fannedOut = 0
        var groups = 0
        let fanOutTime = clock.measure {
            for lookup in 0..<lookups {
                let device = (lookup &* 7919) % devices
                let topic = lookup.isMultiple(of: 2) ? "tenants/\(device % 100)/a/b" : "jobs/\(device % 50)/run"
                let matches = index.matches(topic: topic)
                fannedOut += matches.deliveries.count
                groups += matches.sharedGroups.count
            }
        }
        #expect(fannedOut == lookups / 2 * (devices / 100))
        #expect(groups == lookups / 2 * 7, "the devices of one job spread over all 7 share names")
        #expect(index.matches(topic: "sensors/x/7/temperature").deliveries.count == devices / 1000)

        let removeTime = clock.measure {
            for device in stride(from: 0, to: devices, by: 2) {
                index.removeAll(of: device)
            }
        }
        #expect(index.count == 50_000)
        #expect(index.matches(topic: "devices/2/commands").isEmpty)
        #expect(index.matches(topic: "devices/3/commands").deliveries.map(\.subscriber) == [3])

        print(
            "SubscriptionIndex: built 100,000 subscriptions in \(buildTime);",
            "\(lookups) narrow lookups (1 delivery each) in \(narrowTime);",
            "\(lookups) fan-out lookups (\(fannedOut) deliveries, \(groups) shared groups) in \(fanOutTime);",
            "removed 50,000 in \(removeTime)"
        )
    }
}

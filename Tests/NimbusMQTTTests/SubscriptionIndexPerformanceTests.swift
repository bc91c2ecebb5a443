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

        let lookups = 20_000
        var delivered = 0
        var groups = 0
        let lookupTime = clock.measure {
            for lookup in 0..<lookups {
                let device = (lookup &* 7919) % devices
                let topic = switch lookup % 4 {
                case 0: "devices/\(device)/commands"
                case 1: "devices/\(device)/light/set"
                case 2: "tenants/\(device % 100)/a/b"
                default: "jobs/\(device % 50)/run"
                }
                let matches = index.matches(topic: topic)
                delivered += matches.deliveries.count
                groups += matches.sharedGroups.count
            }
        }
        // Per 4 lookups: 1 + 1 + 200 (tenant members) + 0 deliveries, and for the job one shared group per
        // share name (the devices of one job spread over all 7 names).
        #expect(delivered == lookups / 4 * (1 + 1 + devices / 100))
        #expect(groups == lookups / 4 * 7)
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
            "SubscriptionIndex: built 100,000 subscriptions in \(buildTime); \(lookups) lookups in \(lookupTime)",
            "(\(delivered) deliveries, \(groups) shared groups); removed 50,000 in \(removeTime)"
        )
    }
}

import NimbusMQTT
import Testing

@Suite("Topic names and filters")
struct TopicFilterTests {
    @Test("filter validation follows the wildcard rules of section 4.7.1")
    func validation() {
        let valid = ["#", "+", "sport/tennis/#", "sport/+/player1", "+/tennis/#", "/", "a//b", "/+", "+/+", "$SYS/#", "$share", "$shared/x"]
        let invalid = ["", "sport/tennis#", "sport/tennis/#/ranking", "sport+", "a/#b", "a/b+/c", "##", "a\u{0}b"]
        for filter in valid {
            #expect(throws: Never.self, "\(filter)") { try MQTTTopicFilter(filter) }
        }
        for filter in invalid {
            let error = protocolError { _ = try MQTTTopicFilter(filter) }
            #expect(error == .invalidTopicFilter(filter))
            #expect(error?.reasonCode == .topicFilterInvalid)
        }
        #expect(throws: MQTTProtocolError.self) { try MQTTTopicFilter(String(repeating: "a", count: 65_536)) }
    }

    @Test("topic names may not be empty or contain wildcards or U+0000")
    func topicNames() {
        #expect(MQTTTopicName.isValid("sport/tennis/player1"))
        #expect(MQTTTopicName.isValid("/"))
        #expect(MQTTTopicName.isValid("$SYS/broker/uptime"))
        for name in ["", "a/+", "a/#", "a\u{0}", String(repeating: "a", count: 65_536)] {
            #expect(!MQTTTopicName.isValid(name))
        }
        #expect(throws: MQTTProtocolError.invalidTopicName("a/+")) { try MQTTTopicName.validate("a/+") }
    }

    /// The examples of section 4.7 of the MQTT 5 specification, plus edge cases.
    private static let matchTable: [(filter: String, topic: String, matches: Bool)] = [
        ("sport/tennis/player1/#", "sport/tennis/player1", true),
        ("sport/tennis/player1/#", "sport/tennis/player1/ranking", true),
        ("sport/tennis/player1/#", "sport/tennis/player1/score/wimbledon", true),
        ("sport/#", "sport", true),
        ("#", "sport/tennis", true),
        ("#", "/", true),
        ("sport/tennis/+", "sport/tennis/player1", true),
        ("sport/tennis/+", "sport/tennis/player2", true),
        ("sport/tennis/+", "sport/tennis/player1/ranking", false),
        ("sport/+", "sport", false),
        ("sport/+", "sport/", true),
        ("+/+", "/finance", true),
        ("/+", "/finance", true),
        ("+", "/finance", false),
        ("+", "finance", true),
        ("+/tennis/#", "sport/tennis", true),
        ("sport/+/player1", "sport/tennis/player1", true),
        ("sport/+/player1", "sport/tennis/player2", false),
        ("a/b", "a/b", true),
        ("a/b", "a/b/c", false),
        ("a/b", "a", false),
        ("a//b", "a//b", true),
        ("a/+/b", "a//b", true),
        ("ACCOUNTS", "Accounts", false),
        // Filters starting with a wildcard do not match topics starting with $ (MQTT-4.7.2-1).
        ("#", "$SYS/monitor/Clients", false),
        ("+/monitor/Clients", "$SYS/monitor/Clients", false),
        ("$SYS/#", "$SYS/monitor/Clients", true),
        ("$SYS/monitor/+", "$SYS/monitor/Clients", true),
        ("$SYS/#", "$SYS", true),
        ("+", "$SYS", false),
        ("a/#", "a/$b", true),
        // Shared subscriptions match by their filter proper.
        ("$share/consumer1/sport/tennis/+", "sport/tennis/player1", true),
        ("$share/consumer1/sport/tennis/+", "sport/badminton/player1", false),
        ("$share/g/#", "$SYS/x", false),
        ("$share/g/$SYS/#", "$SYS/x", true),
    ]

    @Test("matching follows the specification's examples, the $ rule and shared subscriptions")
    func matching() throws {
        for (filter, topic, expected) in Self.matchTable {
            #expect(try MQTTTopicFilter(filter).matches(topicName: topic) == expected, "\(filter) vs \(topic)")
        }
    }

    @Test("shared subscriptions split into share name and filter")
    func sharedSubscriptions() throws {
        let shared = try MQTTTopicFilter("$share/consumer1/sport/tennis/+")
        #expect(shared.isShared)
        #expect(shared.shareName == "consumer1")
        #expect(shared.levels == ["sport", "tennis", "+"])
        #expect(shared.rawValue == "$share/consumer1/sport/tennis/+")
        #expect(shared.hasWildcards)
        let plain = try MQTTTopicFilter("$share")
        #expect(!plain.isShared && plain.levels == ["$share"])
        #expect(try !MQTTTopicFilter("a/b").hasWildcards)
        for invalid in ["$share/", "$share//a", "$share/group", "$share/group/", "$share/gr+oup/a", "$share/gr#oup/a", "$share/g/a/#/b"] {
            #expect(throws: MQTTProtocolError.invalidTopicFilter(invalid)) { try MQTTTopicFilter(invalid) }
        }
    }

    @Test("filters are equal when their text is")
    func equality() throws {
        #expect(try MQTTTopicFilter("a/+") == MQTTTopicFilter("a/+"))
        #expect(try MQTTTopicFilter("a/+") != MQTTTopicFilter("$share/g/a/+"))
        #expect(try Set([MQTTTopicFilter("a"), MQTTTopicFilter("a"), MQTTTopicFilter("b")]).count == 2)
    }
}

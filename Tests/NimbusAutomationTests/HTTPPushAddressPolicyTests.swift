import Testing

@testable import NimbusAutomation

@Suite("HTTP push address policy")
struct HTTPPushAddressPolicyTests {
    func bytes(_ text: String) -> [UInt8] { HTTPPushAddressPolicy.Range.bytes(of: text)! }

    @Test("the server's networks are refused, the internet is not, and allowed ranges win")
    func policy() throws {
        let policy = HTTPPushAddressPolicy()
        for refused in ["127.0.0.1", "10.1.2.3", "172.20.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0", "224.0.0.1",
                        "255.255.255.255", "::1", "::", "fe80::1", "fd00::1", "ff02::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1"] {
            #expect(!policy.allows(bytes(refused)), "\(refused)")
        }
        for allowed in ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8", "172.32.0.1", "11.0.0.1"] {
            #expect(policy.allows(bytes(allowed)), "\(allowed)")
        }
        let ranges = try HTTPPushAddressPolicy.parse(" 127.0.0.1/32, 10.0.0.0/8 ,::1").get()
        #expect(ranges.map(\.description) == ["127.0.0.1/32", "10.0.0.0/8", "::1/128"])
        let opened = HTTPPushAddressPolicy(allowed: ranges)
        #expect(opened.allows(bytes("127.0.0.1")) && opened.allows(bytes("10.9.9.9")) && opened.allows(bytes("::1")))
        #expect(!opened.allows(bytes("127.0.0.2")) && !opened.allows(bytes("192.168.0.1")))
        for bad in ["10.0.0.0/33", "localhost", "1.2.3", "::1/129", "10.0.0.0/x"] {
            #expect(throws: HTTPPushAddressPolicy.ParseError.self, "\(bad)") { try HTTPPushAddressPolicy.parse(bad).get() }
        }
    }

    @Test("a name resolves to its addresses, which the policy then judges; an address written as such is itself")
    func resolution() async throws {
        let local = try await HTTPPushSender.resolve(host: "localhost", port: 80)
        #expect(!local.isEmpty && local.allSatisfy { $0 == bytes("127.0.0.1") || $0 == bytes("::1") }, "\(local)")
        #expect(!local.contains(where: HTTPPushAddressPolicy().allows), "localhost is refused by default")
        #expect(try await HTTPPushSender.resolve(host: "[::1]", port: 80) == [bytes("::1")])
        #expect(try await HTTPPushSender.resolve(host: "10.0.0.7", port: 80) == [bytes("10.0.0.7")])
    }
}

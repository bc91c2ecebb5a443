import NIOCore
import NimbusHTTP
@testable import NimbusServer
import Testing

@Suite("HTTP connection limits")
struct HTTPConnectionLimitTests {
    @Test("the HTTP settings resolve, with the defaults no looser than 30 s for a head and 60 s idle")
    func settings() throws {
        let defaults = try ServerConfiguration.resolve(flags: [:], environment: [:])
        #expect(defaults.http.headTimeout <= .seconds(30))
        #expect(defaults.http.idleTimeout <= .seconds(60))
        #expect(defaults.http.maximumConnections == nil)
        let set = try ServerConfiguration.resolve(
            flags: ["http-head-timeout": "2", "http-max-connections": "50"],
            environment: ["NIMBUS_HTTP_IDLE_TIMEOUT": "3", "NIMBUS_HTTP_MAX_HEAD_SIZE": "4096", "NIMBUS_HTTP_MAX_CONNECTIONS_PER_ADDRESS": "5"])
        #expect(set.http.headTimeout == .seconds(2))
        #expect(set.http.idleTimeout == .seconds(3))
        #expect(set.http.maximumHeadSize == 4096)
        #expect(set.http.maximumConnections == 50)
        #expect(set.http.maximumConnectionsPerAddress == 5)
        #expect(throws: ConfigurationError.self) { try ServerConfiguration.resolve(flags: ["http-head-timeout": "0"], environment: [:]) }
        #expect(throws: ConfigurationError.self) { try ServerConfiguration.resolve(flags: ["http-max-head-size": "10"], environment: [:]) }
    }

    @Test("the total defaults to 10,000 but never more than a quarter of the open-file limit")
    func derivedTotal() {
        #expect(OpenFileLimit.defaultHTTPConnections(openFileLimit: 1_048_576) == 10_000)
        #expect(OpenFileLimit.defaultHTTPConnections(openFileLimit: 1_024) == 256)
        #expect(OpenFileLimit.defaultHTTPConnections(openFileLimit: nil) == 10_000)
        let raised = OpenFileLimit.raiseToHardLimit()
        #expect((raised ?? 0) > 0)
    }

    @Test("connections are refused past the per-source and the total limit, and counted out again")
    func counting() {
        let counter = HTTPConnectionCounter(maximumConnections: 3, maximumPerAddress: 2)
        #expect(counter.enter("a") == nil)
        #expect(counter.enter("a") == nil)
        #expect(counter.enter("a") == .address)
        #expect(counter.enter("b") == nil)
        #expect(counter.enter("c") == .total)
        #expect(counter.openConnections == 3)
        counter.leave("a")
        #expect(counter.enter("c") == nil)
        #expect(counter.enter("a") == .total)
    }

    @Test("sources are IPv4 addresses and IPv6 /64s; a mapped IPv4 address is its IPv4 address")
    func sourceKeys() throws {
        #expect(HTTPConnectionCounter.sourceKey(try SocketAddress(ipAddress: "192.0.2.7", port: 1)) == "192.0.2.7")
        let one = HTTPConnectionCounter.sourceKey(try SocketAddress(ipAddress: "2001:db8:1:2:aaaa::1", port: 1))
        let sameSlash64 = HTTPConnectionCounter.sourceKey(try SocketAddress(ipAddress: "2001:db8:1:2:bbbb:cccc:dddd:eeee", port: 1))
        let other = HTTPConnectionCounter.sourceKey(try SocketAddress(ipAddress: "2001:db8:1:3::1", port: 1))
        #expect(one == sameSlash64)
        #expect(one != other)
        #expect(HTTPConnectionCounter.sourceKey(try SocketAddress(ipAddress: "2001:db8::1", port: 1)) == "2001:db8:0:0::/64")
        #expect(HTTPConnectionCounter.sourceKey(try SocketAddress(ipAddress: "::ffff:192.0.2.7", port: 1)) == "192.0.2.7")
        #expect(HTTPConnectionCounter.sourceKey(nil) == "local")
    }
}

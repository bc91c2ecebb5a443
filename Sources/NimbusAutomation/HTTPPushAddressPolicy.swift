import Foundation

/// Where an `http_push` may connect. A push is a request the server makes on an end user's behalf, so by default it may
/// not reach the server's own network: loopback, link-local (cloud metadata at 169.254.169.254), private and shared
/// ranges, multicast and reserved addresses, and the addresses of the server's own interfaces. `allowed` ranges
/// (the `http-push-allow` setting) are reachable anyway, for a deployment that pushes to its own services and for the
/// tests' local sinks.
public struct HTTPPushAddressPolicy: Sendable {
    /// An address range: the first `prefix` bits of `address` (4 bytes for IPv4, 16 for IPv6).
    public struct Range: Sendable, Hashable, CustomStringConvertible {
        let address: [UInt8]
        let prefix: Int

        /// `10.0.0.0/8`, `::1/128`, or one address (`127.0.0.1`).
        public init?(_ text: String) {
            let parts = text.trimmingCharacters(in: .whitespaces).split(separator: "/", omittingEmptySubsequences: false)
            guard (1...2).contains(parts.count), let address = Self.bytes(of: String(parts[0])) else { return nil }
            let prefix = parts.count == 2 ? Int(parts[1]) : address.count * 8
            guard let prefix, (0...(address.count * 8)).contains(prefix) else { return nil }
            self.address = address
            self.prefix = prefix
        }

        public func contains(_ other: [UInt8]) -> Bool {
            guard other.count == address.count else { return false }
            for bit in 0..<prefix where (other[bit / 8] ^ address[bit / 8]) & (0x80 >> UInt8(bit % 8)) != 0 { return false }
            return true
        }

        public var description: String { "\(Self.text(of: address))/\(prefix)" }

        /// The bytes of an IPv4 or IPv6 address written as text.
        public static func bytes(of text: String) -> [UInt8]? {
            var v4 = in_addr()
            if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
            var v6 = in6_addr()
            if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
            return nil
        }

        /// The bytes of the IPv4 or IPv6 address in a socket address (an interface's, a resolved name's); `nil` for
        /// another family.
        static func bytes(of socket: UnsafePointer<sockaddr>) -> [UInt8]? {
            switch Int32(socket.pointee.sa_family) {
            case AF_INET:
                return socket.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { v4 in
                    var address = v4.pointee.sin_addr
                    return withUnsafeBytes(of: &address) { Array($0) }
                }
            case AF_INET6:
                return socket.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { v6 in
                    var address = v6.pointee.sin6_addr
                    return withUnsafeBytes(of: &address) { Array($0) }
                }
            default:
                return nil
            }
        }

        static func text(of bytes: [UInt8]) -> String {
            var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
            let family = bytes.count == 4 ? AF_INET : AF_INET6
            return bytes.withUnsafeBytes { raw in
                guard inet_ntop(family, raw.baseAddress, &buffer, socklen_t(buffer.count)) != nil else { return "?" }
                return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            }
        }
    }

    /// Never reachable unless allowed: RFC 6890's special-purpose ranges that lead into the server's own networks.
    static let denied: [Range] = [
        "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12", "192.0.0.0/24",
        "192.168.0.0/16", "198.18.0.0/15", "224.0.0.0/4", "240.0.0.0/4",
        "::/128", "::1/128", "fc00::/7", "fe80::/10", "ff00::/8",
    ].compactMap(Range.init)

    public let allowed: [Range]
    /// The server's own interface addresses, read when the policy is made.
    let own: [[UInt8]]

    public init(allowed: [Range] = []) {
        self.allowed = allowed
        self.own = Self.interfaceAddresses()
    }

    /// Reads `http-push-allow`: ranges separated by commas; `nil` names the first that is not one.
    public static func parse(_ text: String) -> Result<[Range], ParseError> {
        var ranges: [Range] = []
        for part in text.split(separator: ",") where !part.trimmingCharacters(in: .whitespaces).isEmpty {
            guard let range = Range(String(part)) else { return .failure(ParseError(text: String(part))) }
            ranges.append(range)
        }
        return .success(ranges)
    }

    public struct ParseError: Error, CustomStringConvertible {
        public let text: String
        public var description: String { "http-push-allow: '\(text)' is not an address range such as 10.0.0.0/8 or ::1/128" }
    }

    /// Whether a push may connect to `address`. An IPv4 address written into IPv6 (`::ffff:a.b.c.d`) is judged as IPv4.
    public func allows(_ address: [UInt8]) -> Bool {
        var address = address
        if address.count == 16, address[0..<10].allSatisfy({ $0 == 0 }), address[10] == 0xff, address[11] == 0xff {
            address = Array(address[12...])
        }
        if allowed.contains(where: { $0.contains(address) }) { return true }
        return !Self.denied.contains(where: { $0.contains(address) }) && !own.contains(address)
    }

    private static func interfaceAddresses() -> [[UInt8]] {
        var first: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&first) == 0 else { return [] }
        defer { freeifaddrs(first) }
        var addresses: [[UInt8]] = []
        var cursor = first
        while let entry = cursor {
            if let socket = entry.pointee.ifa_addr, let address = Range.bytes(of: socket) { addresses.append(address) }
            cursor = entry.pointee.ifa_next
        }
        return addresses
    }
}

import NIOCore
import Synchronization

/// Counts open HTTP connections, in all and by source address, and refuses new ones past the limits,
/// so that one address cannot take the connections every other client and `/health` need.
///
/// A connection is counted from its accept until its channel closes. Addresses are keyed by IPv4
/// address, and by /64 for IPv6 (one host usually holds a whole /64); an IPv4-mapped IPv6 address
/// counts as its IPv4 address.
public final class HTTPConnectionCounter: Sendable {
    /// Why a connection was turned away.
    public enum Refusal: String, Sendable {
        case address, total
    }

    private struct State {
        var total = 0
        var byAddress: [String: Int] = [:]
    }

    public let maximumConnections: Int
    public let maximumPerAddress: Int
    private let state = Mutex(State())

    public init(maximumConnections: Int, maximumPerAddress: Int) {
        self.maximumConnections = maximumConnections
        self.maximumPerAddress = maximumPerAddress
    }

    /// Counts a connection from `source` in; `nil` when it may stay, else why not (and it is not counted).
    /// Every admitted connection must be balanced by `leave(_:)` with the same key.
    public func enter(_ source: String) -> Refusal? {
        state.withLock { state in
            if state.total >= maximumConnections { return .total }
            let fromSource = state.byAddress[source, default: 0]
            if fromSource >= maximumPerAddress { return .address }
            state.total += 1
            state.byAddress[source] = fromSource + 1
            return nil
        }
    }

    public func leave(_ source: String) {
        state.withLock { state in
            state.total -= 1
            let left = state.byAddress[source, default: 1] - 1
            state.byAddress[source] = left > 0 ? left : nil
        }
    }

    /// Open connections now, in all.
    public var openConnections: Int {
        state.withLock { $0.total }
    }

    /// The key a peer is counted under: the IPv4 address, or the IPv6 /64 prefix.
    public static func sourceKey(_ address: SocketAddress?) -> String {
        guard let text = address?.ipAddress else { return "local" }
        guard case .v6 = address else { return text }
        // An IPv4-mapped address (::ffff:192.0.2.1) is its IPv4 address.
        if text.contains("."), let last = text.split(separator: ":").last { return String(last) }
        return prefix64(text)
    }

    /// The first four groups of an IPv6 address in text form, `::` expanded.
    static func prefix64(_ text: String) -> String {
        let halves = text.split(separator: "::", maxSplits: 1, omittingEmptySubsequences: false).map {
            $0.split(separator: ":").map(String.init)
        }
        var groups = halves[0]
        if halves.count == 2 {
            groups += Array(repeating: "0", count: max(0, 8 - halves[0].count - halves[1].count)) + halves[1]
        }
        return groups.prefix(4).joined(separator: ":") + "::/64"
    }
}

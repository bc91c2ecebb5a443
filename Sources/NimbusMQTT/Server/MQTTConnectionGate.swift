import Synchronization

/// Keeps the open connections of one server, every transport: it paces new ones, bounds those not yet
/// authenticated, and ends them all at shutdown.
///
/// New connections are paced per source address (`connectionsPerSecondPerAddress`) and in total
/// (`connectionsPerSecond`), both token buckets holding a second's worth. The address's bucket is asked first and
/// only a connection it lets through takes a token from the total, so one address cannot spend the ceiling that
/// every other client shares. A connection over its address's rate, or past the connections not yet authenticated
/// that its address or everyone may have (`maximumUnauthenticatedConnectionsPerAddress`,
/// `maximumUnauthenticatedConnections`), is closed at once: it costs a socket for a moment, not the connect timeout. Past `maximumConnections`, or past the
/// total rate, a connection is still read up to its CONNECT so that the client gets a CONNACK saying why, instead of
/// a reset it would retry at once.
///
/// No task waits on an open connection's behalf (see `MQTTConnectionInbox`), so the gate is what knows them:
/// `closeAll()` asks each to close and waits until all have stored their sessions.
final class MQTTConnectionGate: Sendable {
    /// What becomes of a new connection.
    enum Verdict: Equatable {
        case admit
        /// Read its CONNECT, then answer with this code and close.
        case refuse(MQTTReasonCode)
        /// Close at once, without a word.
        case drop
    }

    private struct State {
        var open: [Int: MQTTConnectionInbox] = [:]
        /// Connections that have not been admitted by the hooks yet, with their address, and how many each address has.
        var unauthenticated: [Int: String] = [:]
        var unauthenticatedByAddress: [String: Int] = [:]

        mutating func authenticated(_ id: Int) {
            guard let host = unauthenticated.removeValue(forKey: id) else { return }
            let left = (unauthenticatedByAddress[host] ?? 1) - 1
            unauthenticatedByAddress[host] = left > 0 ? left : nil
        }
        var lastID = 0
        var total: MQTTTokenBucket
        var perAddress: [String: MQTTTokenBucket] = [:]
        /// When full buckets were last forgotten; at most once a second, since a bucket fills up within a second.
        var forgotten = ContinuousClock.now
        /// Set by `closeAll()`: connections that still come in are closed at once.
        var closing = false
        var allClosed: [CheckedContinuation<Void, Never>] = []
    }

    /// Past this many addresses' buckets, the full ones (addresses that have been quiet for a second) are
    /// forgotten, which changes nothing for them. The scan runs at most once a second, so a flood from many
    /// addresses does not pay for it on every connection.
    static let rememberedAddresses = 10_000

    private let settings: MQTTServerSettings
    private let state: Mutex<State>

    init(settings: MQTTServerSettings) {
        self.settings = settings
        let rate = settings.connectionsPerSecond
        self.state = Mutex(State(total: MQTTTokenBucket(rate: rate, burst: rate, now: .now)))
    }

    /// Counts a new connection in; returns its id and what to do with it. Every call must be balanced by
    /// `leave(_:)`, whatever the verdict.
    /// - Parameter host: the client's address without port; `nil` when unknown (it then shares one bucket).
    func enter(_ inbox: MQTTConnectionInbox, host: String?) -> (id: Int, verdict: Verdict) {
        let (id, verdict, closing) = state.withLock { state -> (Int, Verdict, Bool) in
            state.lastID += 1
            state.open[state.lastID] = inbox
            let host = host ?? "unknown"
            state.unauthenticated[state.lastID] = host
            state.unauthenticatedByAddress[host, default: 0] += 1
            return (state.lastID, admit(host: host, in: &state), state.closing)
        }
        if closing { inbox.signal(.shutdown) }
        return (id, verdict)
    }

    private func admit(host: String, in state: inout State) -> Verdict {
        let now = ContinuousClock.now
        if state.unauthenticated.count > settings.maximumUnauthenticatedConnections
            || state.unauthenticatedByAddress[host, default: 0] > settings.maximumUnauthenticatedConnectionsPerAddress
        {
            return .drop
        }
        if state.perAddress.count >= Self.rememberedAddresses, now - state.forgotten >= .seconds(1) {
            state.forgotten = now
            state.perAddress = state.perAddress.filter { _, bucket in
                var bucket = bucket
                bucket.refill(now: now)
                return !bucket.isFull
            }
        }
        let perAddress = settings.connectionsPerSecondPerAddress
        var address = state.perAddress[host] ?? MQTTTokenBucket(rate: perAddress, burst: perAddress, now: now)
        address.refill(now: now)
        guard address.hasToken else {
            state.perAddress[host] = address
            return .drop
        }
        address.take()
        state.perAddress[host] = address
        if state.open.count > settings.maximumConnections { return .refuse(.serverBusy) }
        state.total.refill(now: now)
        guard state.total.hasToken else { return .refuse(.connectionRateExceeded) }
        state.total.take()
        return .admit
    }

    /// The hooks admitted the connection: it no longer counts as unauthenticated.
    func authenticated(_ id: Int) {
        state.withLock { $0.authenticated(id) }
    }

    func leave(_ id: Int) {
        let waiting = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.open[id] = nil
            state.authenticated(id)
            guard state.open.isEmpty else { return [] }
            defer { state.allClosed = [] }
            return state.allClosed
        }
        for continuation in waiting { continuation.resume() }
    }

    /// Asks every open connection to close (DISCONNECT 0x8B for MQTT 5 clients), and returns once all have ended.
    func closeAll() async {
        let open = state.withLock { state in
            state.closing = true
            return Array(state.open.values)
        }
        for inbox in open { inbox.signal(.shutdown) }
        await withCheckedContinuation { continuation in
            let done = state.withLock { state in
                if state.open.isEmpty { return true }
                state.allClosed.append(continuation)
                return false
            }
            if done { continuation.resume() }
        }
    }

    /// Connections open now, refused ones included until they close.
    var openConnections: Int {
        state.withLock { $0.open.count }
    }
}

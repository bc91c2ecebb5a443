import Synchronization

/// Keeps the open connections of one server, every transport: it paces new ones, and ends them all at shutdown.
///
/// Past `maximumConnections`, or faster than `connectionsPerSecond` (a token bucket holding a second's worth), a
/// connection is still read up to its CONNECT so that the client gets a CONNACK saying why, instead of a reset it
/// would retry at once. No task waits on an open connection's behalf (see `MQTTConnectionInbox`), so the gate is
/// what knows them: `closeAll()` asks each to close and waits until all have stored their sessions.
final class MQTTConnectionGate: Sendable {
    private struct State {
        var open: [Int: MQTTConnectionInbox] = [:]
        var lastID = 0
        var tokens: Double
        var refilled: ContinuousClock.Instant
        /// Set by `closeAll()`: connections that still come in are closed at once.
        var closing = false
        var allClosed: [CheckedContinuation<Void, Never>] = []

        /// Takes a token for a new connection; the refusal when there is none, or too many are open.
        mutating func admit(rate: Double, maximumConnections: Int) -> MQTTReasonCode? {
            let now = ContinuousClock.now
            let elapsed = now - refilled
            refilled = now
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            tokens = min(rate, tokens + seconds * rate)
            if open.count > maximumConnections { return .serverBusy }
            guard tokens >= 1 else { return .connectionRateExceeded }
            tokens -= 1
            return nil
        }
    }

    private let maximumConnections: Int
    private let connectionsPerSecond: Double
    private let state: Mutex<State>

    init(maximumConnections: Int, connectionsPerSecond: Int) {
        self.maximumConnections = maximumConnections
        self.connectionsPerSecond = Double(max(connectionsPerSecond, 1))
        self.state = Mutex(State(tokens: Double(max(connectionsPerSecond, 1)), refilled: .now))
    }

    /// Counts a new connection in; returns its id, and the refusal to answer its CONNECT with (`nil` lets it
    /// in). Every call must be balanced by `leave(_:)`, refused or not.
    func enter(_ inbox: MQTTConnectionInbox) -> (id: Int, refusal: MQTTReasonCode?) {
        let rate = connectionsPerSecond
        let (id, refusal, closing) = state.withLock { state -> (Int, MQTTReasonCode?, Bool) in
            state.lastID += 1
            state.open[state.lastID] = inbox
            return (state.lastID, state.admit(rate: rate, maximumConnections: maximumConnections), state.closing)
        }
        if closing { inbox.signal(.shutdown) }
        return (id, refusal)
    }

    func leave(_ id: Int) {
        let waiting = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.open[id] = nil
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

import Synchronization

/// Counts open connections and paces new ones, for every transport of one server: past `maximumConnections`, or
/// faster than `connectionsPerSecond` (a token bucket holding a second's worth), a connection is still read up to
/// its CONNECT so that the client gets a CONNACK saying why, instead of a reset it would retry at once.
final class MQTTConnectionGate: Sendable {
    private struct State {
        var open = 0
        var tokens: Double
        var refilled: ContinuousClock.Instant
    }

    private let maximumConnections: Int
    private let connectionsPerSecond: Double
    private let state: Mutex<State>

    init(maximumConnections: Int, connectionsPerSecond: Int) {
        self.maximumConnections = maximumConnections
        self.connectionsPerSecond = Double(max(connectionsPerSecond, 1))
        self.state = Mutex(State(tokens: Double(max(connectionsPerSecond, 1)), refilled: .now))
    }

    /// Counts a new connection in; returns the refusal to answer its CONNECT with, or `nil` to let it in.
    /// Every call must be balanced by `leave()`, refused or not.
    func enter() -> MQTTReasonCode? {
        let rate = connectionsPerSecond
        return state.withLock { state in
            state.open += 1
            let now = ContinuousClock.now
            let elapsed = now - state.refilled
            state.refilled = now
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            state.tokens = min(rate, state.tokens + seconds * rate)
            if state.open > maximumConnections { return .serverBusy }
            guard state.tokens >= 1 else { return .connectionRateExceeded }
            state.tokens -= 1
            return nil
        }
    }

    func leave() {
        state.withLock { $0.open -= 1 }
    }

    /// Connections open now, refused ones included until they close.
    var openConnections: Int {
        state.withLock { $0.open }
    }
}

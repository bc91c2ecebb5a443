/// A token bucket: `rate` tokens a second, holding at most `burst`. Paces new connections, in total and per
/// source address (`MQTTConnectionGate`).
struct MQTTTokenBucket {
    let rate: Double
    let burst: Double
    private(set) var tokens: Double
    private var refilled: ContinuousClock.Instant

    init(rate: Int, burst: Int, now: ContinuousClock.Instant) {
        self.rate = Double(max(rate, 1))
        self.burst = Double(max(burst, 1))
        self.tokens = self.burst
        self.refilled = now
    }

    /// Adds what accrued since the last call.
    mutating func refill(now: ContinuousClock.Instant) {
        let elapsed = now - refilled
        refilled = now
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        tokens = min(burst, tokens + seconds * rate)
    }

    var hasToken: Bool { tokens >= 1 }

    /// Whether the bucket is full again, so forgetting it changes nothing.
    var isFull: Bool { tokens >= burst }

    mutating func take() {
        tokens -= 1
    }
}

import DequeModule
import Synchronization

/// Everything one connection waits for, in one queue: the client's frames (put here by the transport), the
/// broker's events (the inbox is the session's `MQTTMailbox`) and the connection's own signals.
///
/// No task waits on the inbox. Like an actor's executor, it starts its drainer (a short-lived task that handles
/// what is waiting, see `MQTTConnection.start(onEnd:)`) when input arrives while none is running, and the drainer ends when
/// the inbox is empty. So an idle client costs its state and its socket, not a suspended task holding the stack of
/// the deepest call it ever made, and a frame from the socket starts its handling directly. The inbox also holds
/// the connection's two bounds:
/// - broker events: at most `mailboxSize` wait; a full mailbox drops its oldest event (the broker counts it);
/// - frames: `post(_:)` tells the transport to stop reading once `frameHighWatermark` wait, and the callback given
///   to `whenDrained` tells it to read again once the connection is down to `frameLowWatermark`, so a client that
///   publishes faster than its messages are handled is slowed down by TCP instead of buffered. Until the hooks
///   admit the client (`admitted()`), the transport stops after the first frame, the CONNECT: a client that is not
///   authenticated yet makes the server hold one small packet, not a queue of large ones.
final class MQTTConnectionInbox: MQTTMailbox {
    enum Input: Sendable {
        case frame(MQTTFrame)
        /// The client closed its side, or the transport failed: the connection is over.
        case endOfInput
        /// The transport could not frame the byte stream (malformed fixed header, packet too large).
        case unreadable(MQTTProtocolError)
        case broker(MQTTBrokerEvent)
        case signal(Signal)
    }

    /// What the connection tells itself.
    enum Signal: Sendable {
        /// The hooks finished handling the publication with this sequence number.
        case handled(sequence: Int)
        /// The connect or keep-alive deadline may have passed.
        case timer
        /// The server is shutting down.
        case shutdown
    }

    static let frameHighWatermark = 16
    static let frameLowWatermark = 4

    private struct State {
        /// Frames, then the end of the input.
        var client = Deque<Input>()
        var broker = Deque<MQTTBrokerEvent>()
        var signals = Deque<Signal>()
        /// Alternates between client and broker inputs, so neither starves the other.
        var brokerFirst = false
        var brokerOpen = true
        var finished = false
        /// Starts a task that handles the waiting input; set by `start`, dropped by `finish`.
        var drainer: (@Sendable () -> Void)?
        /// A drainer is running: it takes everything until `idleIfEmpty()` says the inbox is empty.
        var draining = false
        /// The transport was told to stop reading.
        var paused = false
        var onDrained: (@Sendable () -> Void)?
        /// The hooks admitted the client; before, reading stops after each frame.
        var admitted = false
        /// Called once when the client is admitted.
        var onAdmitted: (@Sendable () -> Void)?

        var mayResume: Bool { paused && admitted && client.count <= MQTTConnectionInbox.frameLowWatermark }

        /// The next input, and the transport's callback if taking it ended a pause.
        mutating func take() -> (Input, (@Sendable () -> Void)?)? {
            if let signal = signals.popFirst() { return (.signal(signal), nil) }
            brokerFirst.toggle()
            if brokerFirst, let event = broker.popFirst() { return (.broker(event), nil) }
            if let input = client.popFirst() {
                return (input, mayResume ? resumeTransport() : nil)
            }
            if let event = broker.popFirst() { return (.broker(event), nil) }
            return nil
        }

        var hasInput: Bool { !(signals.isEmpty && client.isEmpty && broker.isEmpty) }

        /// The drainer to start, if there is input and none is running.
        mutating func wake() -> (@Sendable () -> Void)? {
            guard !draining, hasInput, let drainer else { return nil }
            draining = true
            return drainer
        }

        /// Ends a pause: the transport's callback, to call once the lock is released.
        mutating func resumeTransport() -> (@Sendable () -> Void)? {
            paused = false
            defer { onDrained = nil }
            return onDrained
        }
    }

    private let state = Mutex(State())
    let mailboxSize: Int

    init(mailboxSize: Int) {
        self.mailboxSize = mailboxSize
    }

    // MARK: The connection's side

    /// From now on `drainer` is called whenever input arrives and no drainer is running (at once if some is waiting).
    func start(drainer: @escaping @Sendable () -> Void) {
        let wake = state.withLock { state in
            state.drainer = drainer
            return state.wake()
        }
        wake?()
    }

    /// Tells a drainer that found nothing more to take whether it may end: true, and the next input starts a new
    /// one; false when input arrived in the meantime.
    func idleIfEmpty() -> Bool {
        state.withLock { state in
            guard !state.hasInput else { return false }
            state.draining = false
            // An idle connection keeps no buffers: empty queues give their storage back.
            (state.client, state.broker, state.signals) = ([], [], [])
            return true
        }
    }

    /// The next input if one is waiting.
    func poll() -> Input? {
        let (ready, resume) = state.withLock { state -> (Input?, (@Sendable () -> Void)?) in
            guard !state.finished, let (input, resume) = state.take() else { return (nil, nil) }
            return (input, resume)
        }
        resume?()
        return ready
    }

    /// The hooks admitted the client: the transport may read on (unless the connection is behind), and the
    /// callback given to `whenAdmitted` runs.
    func admitted() {
        let (resume, onAdmitted) = state.withLock { state in
            state.admitted = true
            defer { state.onAdmitted = nil }
            return (state.mayResume ? state.resumeTransport() : nil, state.onAdmitted)
        }
        onAdmitted?()
        resume?()
    }

    /// Calls `callback` once the hooks admit the client (never, if they refuse it).
    func whenAdmitted(_ callback: @escaping @Sendable () -> Void) {
        state.withLock { $0.onAdmitted = callback }
    }

    /// The connection is over: nothing more is taken, a paused transport is released (it reads on to the end of
    /// its input and drops it), and the broker's events still waiting are returned, so that the messages among them
    /// stay with the session.
    func finish() -> [MQTTBrokerEvent] {
        let (left, resume) = state.withLock { state in
            state.finished = true
            state.drainer = nil
            state.onAdmitted = nil
            state.client.removeAll()
            defer { state.broker.removeAll() }
            return (Array(state.broker), state.resumeTransport())
        }
        resume?()
        return left
    }

    // MARK: The transport's side

    /// A frame from the client. Returns true when the transport should stop reading: then it reads again when the
    /// callback given to `whenDrained` is called (exactly once per pause).
    func post(_ frame: MQTTFrame) -> Bool {
        let offered = offer { state in
            state.client.append(.frame(frame))
            guard !state.paused, !state.admitted || state.client.count >= Self.frameHighWatermark else { return false }
            state.paused = true
            return true
        }
        if case .queued(let pause) = offered { return pause }
        return false
    }

    /// The client's input is over: it ended, or failed with `error`. The framing decoder's refusals
    /// (`MQTTProtocolError`) end the connection with their reason code; anything else (a reset, a TLS failure)
    /// just ends it.
    func inputEnded(by error: (any Error)? = nil) {
        let input: Input = (error as? MQTTProtocolError).map { .unreadable($0) } ?? .endOfInput
        _ = offer { state in state.client.append(input) }
    }

    /// Calls `resume` once the connection has taken enough frames to read again (at once if it already has, or
    /// has finished).
    func whenDrained(_ resume: @escaping @Sendable () -> Void) {
        let now = state.withLock { state in
            guard state.paused else { return true }
            state.onDrained = resume
            return false
        }
        if now { resume() }
    }

    /// `whenDrained` for a transport that reads in a task of its own.
    func drained() async {
        await withCheckedContinuation { continuation in whenDrained { continuation.resume() } }
    }

    // MARK: The connection's own signals, and the broker's mailbox

    func signal(_ signal: Signal) {
        _ = offer { state in state.signals.append(signal) }
    }

    func post(_ event: MQTTBrokerEvent) -> (accepted: Bool, droppedOlder: Bool) {
        let offered = offer(fromBroker: true) { state in
            let full = state.broker.count >= mailboxSize && !state.broker.isEmpty
            if full { state.broker.removeFirst() }
            state.broker.append(event)
            return full
        }
        switch offered {
        case .queued(let droppedOlder): return (true, droppedOlder)
        case .refused: return (false, false)
        }
    }

    func close() {
        state.withLock { $0.brokerOpen = false }
    }

    private enum Offer<Queued: Sendable>: Sendable {
        /// Queued; what `enqueue` said about it.
        case queued(Queued)
        /// The connection is over (or, for the broker's events, the mailbox is closed).
        case refused
    }

    /// Queues input with `enqueue`, and starts the drainer if none is running.
    private func offer<Queued: Sendable>(fromBroker: Bool = false, enqueue: (inout State) -> Queued) -> Offer<Queued> {
        let (offered, wake) = state.withLock { state -> (Offer<Queued>, (@Sendable () -> Void)?) in
            guard !state.finished, !fromBroker || state.brokerOpen else { return (.refused, nil) }
            return (.queued(enqueue(&state)), state.wake())
        }
        wake?()
        return offered
    }
}

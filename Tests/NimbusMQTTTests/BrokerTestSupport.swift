import NIOCore
import Synchronization

@testable import NimbusMQTT

/// A connection attached to a test broker: its session key, mailbox and what `connect` answered.
struct BrokerConnection {
    let key: MQTTSessionKey
    let events: EventLog
    let id: Int
    let sessionPresent: Bool
    let resumed: MQTTOutboundState?
}

extension MQTTBroker {
    /// A broker whose second of session expiry and will delay lasts `expiryUnit`, so timers run in milliseconds.
    static func forTesting(
        maximumQueuedMessages: Int = 1000, mailboxSize: Int = 1000, expiryUnit: Duration = .milliseconds(10),
        maximumPersistentSessionsPerClient: Int = 10
    ) -> MQTTBroker {
        var limits = Limits(queueLimit: MQTTQueueLimit(messages: maximumQueuedMessages), mailboxSize: mailboxSize, expiryUnit: expiryUnit)
        limits.handoverTimeout = .milliseconds(50)
        limits.maximumPersistentSessionsPerClient = maximumPersistentSessionsPerClient
        return MQTTBroker(limits: limits)
    }

    func attach(
        _ clientIdentifier: String, in mountPoint: String = "p1/", owner: String = "tester", cleanStart: Bool = true,
        persistent: Bool = false
    ) async -> BrokerConnection {
        let client = MQTTClient(mountPoint: mountPoint, owner: owner, clientIdentifier: clientIdentifier, name: clientIdentifier)
        let answer = await connect(client: client, cleanStart: cleanStart, persistent: persistent)
        return BrokerConnection(
            key: client.sessionKey, events: EventLog(answer.events), id: answer.connectionID, sessionPresent: answer.sessionPresent,
            resumed: answer.resumed)
    }

    /// Ends `connection`, keeping the session for `sessionExpiry` seconds; `outbound` defaults to nothing owed.
    func detach(
        _ connection: BrokerConnection, will: MQTTMessage? = nil, willDelay: UInt32 = 0, sessionExpiry: UInt32 = 0,
        outbound: MQTTOutboundState = MQTTOutboundState()
    ) {
        disconnect(
            connection.key, connectionID: connection.id, outbound: outbound, will: will.map { MQTTBrokerWill(message: $0) },
            willDelay: willDelay,
            sessionExpiry: sessionExpiry)
    }

    /// Subscribes `connection` to each filter with the same options; returns the SUBACK codes and retained deliveries.
    @discardableResult
    func subscribe(
        _ connection: BrokerConnection, _ filters: String..., options: MQTTSubscriptionOptions = .init(),
        identifier: UInt32? = nil, version: MQTTProtocolVersion = .v5, refused: Set<Int> = []
    ) throws -> (codes: [MQTTReasonCode], retained: [MQTTDelivery]) {
        var properties = MQTTProperties()
        if let identifier { properties.subscriptionIdentifiers = [identifier] }
        let packet = MQTTSubscribePacket(
            packetIdentifier: 1, subscriptions: filters.map { .init(topicFilter: $0, options: options) }, properties: properties)
        let answer = try subscribe(connection.key, packet, version: version, refused: refused)
        return (answer.subAck.reasonCodes, answer.retained)
    }

    @discardableResult
    func publish(_ topic: String, _ text: String, qos: MQTTQoS = .atMostOnce, retain: Bool = false, in mountPoint: String = "p1/", from publisher: MQTTSessionKey? = nil) -> Int {
        publish(message(topic, text, qos: qos, retain: retain), in: mountPoint, from: publisher)
    }
}

func message(_ topic: String, _ text: String, qos: MQTTQoS = .atMostOnce, retain: Bool = false) -> MQTTMessage {
    MQTTMessage(topic: topic, payload: ByteBuffer(string: text), qos: qos, retain: retain)
}

/// The deliveries among `events` as (topic seen by the client, payload text, QoS, RETAIN), for compact expectations.
func summary(_ events: [MQTTBrokerEvent]) -> [Received] {
    events.map { event in
        guard case .deliver(let delivery) = event else { return Received(topic: "<taken over>", text: "", qos: .atMostOnce, retain: false) }
        return Received(delivery)
    }
}

struct Received: Hashable, CustomStringConvertible {
    var topic: String
    var text: String
    var qos: MQTTQoS
    var retain: Bool

    init(topic: String, text: String, qos: MQTTQoS = .atMostOnce, retain: Bool = false) {
        self.topic = topic
        self.text = text
        self.qos = qos
        self.retain = retain
    }

    init(_ delivery: MQTTDelivery) {
        self.init(topic: delivery.topic, text: String(buffer: delivery.message.payload), qos: delivery.qos, retain: delivery.retain)
    }

    var description: String { "\(topic)=\(text)@\(qos.rawValue)\(retain ? " retained" : "")" }
}

/// Reads a connection's mailbox from the start into a buffer that tests take events from with a timeout, so no
/// test can hang on an event that never comes. Reading in one long-lived task matters: cancelling a pending
/// read of an `AsyncStream` ends the stream, so a timed-out read must never be the one that waits on it.
final class EventLog: Sendable {
    private let state = Mutex<(events: [MQTTBrokerEvent], finished: Bool)>(([], false))

    init(_ stream: AsyncStream<MQTTBrokerEvent>) {
        Task { [self] in
            for await event in stream {
                state.withLock { $0.events.append(event) }
            }
            state.withLock { $0.finished = true }
        }
    }

    /// The next `count` events, or fewer if the stream ends or `timeout` passes first.
    func take(_ count: Int, timeout: Duration = .seconds(20)) async -> [MQTTBrokerEvent] {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline, !state.withLock({ $0.events.count >= count || $0.finished }) {
            try? await Task.sleep(for: .milliseconds(2))
        }
        return state.withLock { state in
            let taken = Array(state.events.prefix(count))
            state.events.removeFirst(taken.count)
            return taken
        }
    }

    /// Whether nothing arrives within a short while.
    func staysEmpty() async -> Bool {
        await take(1, timeout: .milliseconds(50)).isEmpty
    }

    /// Whether the broker ended the stream (after everything in it was taken).
    var isFinished: Bool { state.withLock { $0.finished && $0.events.isEmpty } }
}

/// What the broker tells one connection through its mailbox.
public enum MQTTBrokerEvent: Sendable, Hashable {
    /// A message for the client, already at its delivery QoS and with its topic inside the client's mount point.
    case deliver(MQTTDelivery)
    /// Another connection took the session over (same mount point and client identifier): close this one with
    /// DISCONNECT 0x8E Session taken over. The mailbox is closed right after this event.
    case takenOver
    /// The application ended the client's right to be connected (such as a revoked key): close with DISCONNECT
    /// carrying this reason (MQTT 5). The mailbox is closed right after this event.
    case closeRequested(MQTTReasonCode)
}

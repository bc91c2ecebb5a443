/// How much one session may keep queued for its client (while it is away, or behind): beyond either bound the
/// oldest waiting messages are dropped, so an absent client costs bounded memory and storage.
public struct MQTTQueueLimit: Sendable, Hashable {
    /// Messages waiting.
    public var messages: Int
    /// Payload bytes of the messages waiting.
    public var bytes: Int

    public init(messages: Int = 1000, bytes: Int = 16 << 20) {
        self.messages = messages
        self.bytes = bytes
    }
}

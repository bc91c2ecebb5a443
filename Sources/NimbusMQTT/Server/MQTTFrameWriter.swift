import NIOCore

/// Where a connection's outgoing packets go: a TCP or TLS channel, or binary WebSocket messages.
///
/// `write` suspends while the peer is not reading (the channel is not writable), which is what stops a slow
/// subscriber from growing the server's memory: its connection stops taking from its mailbox, and the broker's
/// bounded mailbox drops instead.
public protocol MQTTFrameWriter: Sendable {
    /// Writes the frames in order, then flushes.
    func write(_ frames: [MQTTFrame]) async throws
}

extension NIOAsyncChannelOutboundWriter: MQTTFrameWriter where OutboundOut == MQTTFrame {
    public func write(_ frames: [MQTTFrame]) async throws {
        try await write(contentsOf: frames)
    }
}

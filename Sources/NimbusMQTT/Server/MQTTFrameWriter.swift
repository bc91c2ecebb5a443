import NIOCore

/// Where a connection's outgoing packets go: a TCP or TLS channel, or binary WebSocket messages.
///
/// `write` suspends while the peer is not reading (the channel is not writable), which is what stops a slow
/// subscriber from growing the server's memory: its connection stops taking from its inbox, and the broker's
/// bounded mailbox drops instead.
public protocol MQTTFrameWriter: Sendable {
    /// Writes the frames in order, then flushes.
    func write(_ frames: [MQTTFrame]) async throws
}

extension Sequence<MQTTFrame> {
    /// The frames on the wire, one after the other, in one buffer: one write and one flush for all of them.
    public func encoded(allocator: ByteBufferAllocator = ByteBufferAllocator()) throws -> ByteBuffer {
        var buffer = allocator.buffer(capacity: reduce(0) { $0 + $1.encodedSize })
        for frame in self {
            try frame.write(into: &buffer)
        }
        return buffer
    }
}

/// Writes a TCP or TLS connection's frames to its channel.
struct MQTTChannelWriter: MQTTFrameWriter {
    let channel: any Channel

    func write(_ frames: [MQTTFrame]) async throws {
        guard channel.isActive else { throw ChannelError.ioOnClosedChannel }
        let written: EventLoopFuture<Void> = channel.writeAndFlush(try frames.encoded(allocator: channel.allocator))
        // Waiting only while the socket is backed up keeps a reading client's connection going at once, and one
        // that does not read at a standstill (a closed channel ends the connection through its inbox).
        if !channel.isWritable { try await written.get() }
    }
}

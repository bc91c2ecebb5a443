import DequeModule
import NIOCore

/// The MQTT frames in a stream of byte chunks that do not follow packet boundaries, such as the binary messages of
/// MQTT over WebSocket (one message may hold part of a packet, or several: MQTT-6.0.0-2). It frames them with the
/// same `MQTTFrameDecoder` as the TCP pipeline, so the same limits hold.
public struct MQTTFrameSequence<Chunks: AsyncSequence & Sendable>: AsyncSequence, Sendable where Chunks.Element == ByteBuffer {
    public typealias Element = MQTTFrame

    let chunks: Chunks
    let maximumPacketSize: Int
    let maximumConnectPacketSize: Int?

    public init(chunks: Chunks, maximumPacketSize: Int, maximumConnectPacketSize: Int? = nil) {
        self.chunks = chunks
        self.maximumPacketSize = maximumPacketSize
        self.maximumConnectPacketSize = maximumConnectPacketSize
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(
            chunks: chunks.makeAsyncIterator(),
            processor: NIOSingleStepByteToMessageProcessor(
                MQTTFrameDecoder(maximumPacketSize: maximumPacketSize, maximumConnectPacketSize: maximumConnectPacketSize)))
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        var chunks: Chunks.AsyncIterator
        var processor: NIOSingleStepByteToMessageProcessor<MQTTFrameDecoder>
        var ready = Deque<MQTTFrame>()

        /// The next frame; `nil` when the chunks end (a partial packet at the end is dropped, as on TCP).
        /// - Throws: `MQTTProtocolError` for bytes that cannot be framed, or the chunks' own error.
        public mutating func next() async throws -> MQTTFrame? {
            while ready.isEmpty {
                guard let chunk = try await chunks.next() else { return nil }
                var frames: [MQTTFrame] = []
                try processor.process(buffer: chunk) { frames.append($0) }
                ready.append(contentsOf: frames)
            }
            return ready.popFirst()
        }
    }
}

import NIOCore

/// MQTT's variable byte integer: 7 bits per byte, high bit "more follows", at most 4 bytes.
///
/// It encodes the remaining length of every packet, property lengths, property identifiers and subscription
/// identifiers. The 4-byte cap is what stops a peer from making the decoder read an unbounded length prefix.
enum MQTTVariableByteInteger {
    /// The largest encodable value, 268,435,455 (`0xFF 0xFF 0xFF 0x7F`).
    static let maximum = 268_435_455

    /// Reads the integer starting at `index` without moving the reader index.
    ///
    /// - Returns: the value and the number of bytes it occupies, or `nil` if the buffer ends before the last byte.
    /// - Throws: `MQTTProtocolError.malformedVariableByteInteger` as soon as a fourth byte still has its
    ///   continuation bit set, even if more bytes have not arrived yet.
    static func peek(in buffer: ByteBuffer, at index: Int) throws -> (value: Int, length: Int)? {
        var value = 0
        for position in 0..<4 {
            guard let byte = buffer.getInteger(at: index + position, as: UInt8.self) else { return nil }
            value |= Int(byte & 0x7F) << (7 * position)
            if byte & 0x80 == 0 { return (value, position + 1) }
        }
        throw MQTTProtocolError.malformedVariableByteInteger
    }

    /// The number of bytes `value` occupies on the wire.
    static func encodedLength(of value: Int) -> Int {
        switch value {
        case ..<128: 1
        case ..<16_384: 2
        case ..<2_097_152: 3
        default: 4
        }
    }

    /// Writes `value`, which must be at most `maximum`; callers check because only they know which error applies.
    static func write(_ value: Int, into buffer: inout ByteBuffer) {
        assert(value >= 0 && value <= maximum, "variable byte integer out of range")
        var remaining = value
        repeat {
            var byte = UInt8(remaining & 0x7F)
            remaining >>= 7
            if remaining > 0 { byte |= 0x80 }
            buffer.writeInteger(byte)
        } while remaining > 0
    }
}

import NIOCore

/// Splits the SMTP server's byte stream into reply lines (without the CRLF).
struct SMTPLineDecoder: NIOSingleStepByteToMessageDecoder {
    typealias InboundOut = String
    /// A reply line longer than this is not SMTP (RFC 5321 allows 512 octets).
    static let maximumLineLength = 4096

    mutating func decode(buffer: inout ByteBuffer) throws -> String? {
        guard let newline = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) else {
            if buffer.readableBytes > Self.maximumLineLength { throw DeliveryError("SMTP reply line too long") }
            return nil
        }
        let length = newline - buffer.readerIndex
        guard var line = buffer.readString(length: length) else { return nil }
        buffer.moveReaderIndex(forwardBy: 1)
        if line.hasSuffix("\r") { line.removeLast() }
        return line
    }

    mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> String? {
        try decode(buffer: &buffer)
    }
}

import NIOCore

/// Splits the inbound byte stream into `MQTTFrame`s; install it as `ByteToMessageHandler(MQTTFrameDecoder(...))`.
///
/// It only peeks until a whole packet is present, so a partial packet costs nothing but the bytes already read.
/// Before waiting for a body it checks what the fixed header alone can tell, so a hostile peer cannot make the
/// broker buffer what it will refuse anyway:
/// - the packet type and its reserved flag bits (`invalidPacketType`, `invalidFixedHeaderFlags`, both 0x81);
/// - the remaining length's encoding, at most 4 bytes (`malformedVariableByteInteger`, 0x81);
/// - the total packet size against `maximumPacketSize` (`packetTooLarge`, 0x95), thrown as soon as the length
///   is known, before any of the body has to arrive;
/// - the first packet, the CONNECT of a client nobody has authenticated yet, against the much smaller
///   `maximumConnectPacketSize`, so that a connection without credentials makes the server hold a few KB at most.
public struct MQTTFrameDecoder: NIOSingleStepByteToMessageDecoder {
    public typealias InboundOut = MQTTFrame

    /// The largest packet the protocol can express: a 1-byte type, a 4-byte remaining length and its maximum.
    public static let largestPossiblePacketSize = 1 + 4 + MQTTVariableByteInteger.maximum

    /// The largest packet accepted, counted as MQTT 5's Maximum Packet Size counts it: fixed header included.
    /// The broker advertises the same value to MQTT 5 clients in CONNACK.
    public let maximumPacketSize: Int

    /// The largest first packet accepted (the CONNECT).
    public let maximumConnectPacketSize: Int
    private var decodedFirstPacket = false

    /// - Parameters:
    ///   - maximumPacketSize: the largest whole packet accepted, in bytes.
    ///   - maximumConnectPacketSize: the largest first packet, the CONNECT; `nil` for `maximumPacketSize`.
    public init(maximumPacketSize: Int = MQTTFrameDecoder.largestPossiblePacketSize, maximumConnectPacketSize: Int? = nil) {
        self.maximumPacketSize = maximumPacketSize
        self.maximumConnectPacketSize = min(maximumConnectPacketSize ?? maximumPacketSize, maximumPacketSize)
    }

    public mutating func decode(buffer: inout ByteBuffer) throws -> MQTTFrame? {
        let start = buffer.readerIndex
        guard let firstByte = buffer.getInteger(at: start, as: UInt8.self) else { return nil }
        guard let type = MQTTPacketType(rawValue: firstByte >> 4) else {
            throw MQTTProtocolError.invalidPacketType(firstByte >> 4)
        }
        let flags = firstByte & 0x0F
        if let required = type.requiredFlags, flags != required {
            throw MQTTProtocolError.invalidFixedHeaderFlags(type, flags: flags)
        }
        guard let (bodyLength, lengthBytes) = try MQTTVariableByteInteger.peek(in: buffer, at: start + 1) else {
            return nil
        }
        let packetSize = 1 + lengthBytes + bodyLength
        let maximum = decodedFirstPacket ? maximumPacketSize : maximumConnectPacketSize
        guard packetSize <= maximum else {
            throw MQTTProtocolError.packetTooLarge(size: packetSize, maximum: maximum)
        }
        guard let body = buffer.getSlice(at: start + 1 + lengthBytes, length: bodyLength) else { return nil }
        buffer.moveReaderIndex(to: start + packetSize)
        decodedFirstPacket = true
        return MQTTFrame(type: type, flags: flags, body: body)
    }

    /// At end of stream a partial packet is dropped unread: the peer closed the connection mid-packet, so there
    /// is no one left to answer, and the broker's clean-up (publishing the will) does not depend on those bytes.
    public mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> MQTTFrame? {
        try decode(buffer: &buffer)
    }
}

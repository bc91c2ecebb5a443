import NIOCore

/// One MQTT control packet as framed on the wire: the fixed header's type and flags, and the body the remaining
/// length delimits.
///
/// The pipeline carries frames in both directions (`NIOAsyncChannel<MQTTFrame, MQTTFrame>`): framing needs no
/// protocol version, while parsing a body does, and the version is only known after CONNECT. The connection
/// turns frames into packets with `MQTTPacket.decode(frame:version:)` and packets into frames with
/// `MQTTPacket.frame(version:)`.
public struct MQTTFrame: Sendable, Hashable {
    /// The control packet type from the high nibble of the first byte.
    public var type: MQTTPacketType
    /// The low nibble of the first byte: DUP/QoS/RETAIN for PUBLISH, fixed values for the rest.
    public var flags: UInt8
    /// The variable header and payload, without the fixed header.
    public var body: ByteBuffer

    public init(type: MQTTPacketType, flags: UInt8, body: ByteBuffer) {
        self.type = type
        self.flags = flags & 0x0F
        self.body = body
    }

    /// The packet's size on the wire, fixed header included: the quantity MQTT 5's Maximum Packet Size limits,
    /// so a broker can check a client's limit before sending.
    public var encodedSize: Int {
        1 + MQTTVariableByteInteger.encodedLength(of: body.readableBytes) + body.readableBytes
    }

    /// Writes the fixed header and the body.
    ///
    /// - Throws: `MQTTProtocolError.packetTooLarge` if the body exceeds the 268,435,455 bytes a remaining length
    ///   can express.
    public func write(into buffer: inout ByteBuffer) throws {
        guard body.readableBytes <= MQTTVariableByteInteger.maximum else {
            throw MQTTProtocolError.packetTooLarge(size: encodedSize, maximum: MQTTFrameDecoder.largestPossiblePacketSize)
        }
        buffer.writeInteger(type.rawValue << 4 | flags)
        MQTTVariableByteInteger.write(body.readableBytes, into: &buffer)
        buffer.writeImmutableBuffer(body)
    }
}

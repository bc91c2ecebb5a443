import NIOCore
import NimbusMQTT
import Testing

/// Frames `bytes` with a fresh decoder and requires exactly one whole frame.
func frame(_ bytes: [UInt8], maximumPacketSize: Int = MQTTFrameDecoder.largestPossiblePacketSize) throws -> MQTTFrame {
    var decoder = MQTTFrameDecoder(maximumPacketSize: maximumPacketSize)
    var buffer = ByteBuffer(bytes: bytes)
    let frame = try #require(try decoder.decode(buffer: &buffer))
    #expect(buffer.readableBytes == 0, "the bytes hold more than one packet")
    return frame
}

/// Decodes one whole packet from its wire bytes.
func decode(_ bytes: [UInt8], version: MQTTProtocolVersion) throws -> MQTTPacket {
    try MQTTPacket.decode(frame: frame(bytes), version: version)
}

/// Encodes a packet to its wire bytes, fixed header included.
func encode(_ packet: MQTTPacket, version: MQTTProtocolVersion) throws -> [UInt8] {
    var buffer = ByteBuffer()
    try packet.encode(into: &buffer, version: version)
    return Array(buffer.readableBytesView)
}

/// The bytes of `string` with MQTT's 2-byte length prefix.
func mqttString(_ string: String) -> [UInt8] {
    let bytes = Array(string.utf8)
    return [UInt8(bytes.count >> 8), UInt8(bytes.count & 0xFF)] + bytes
}

/// Runs `body` and returns the `MQTTProtocolError` it throws, recording an issue if it throws nothing or
/// something else.
func protocolError(_ body: () throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) -> MQTTProtocolError? {
    do {
        try body()
        Issue.record("expected an MQTTProtocolError, nothing was thrown", sourceLocation: sourceLocation)
    } catch let error as MQTTProtocolError {
        return error
    } catch {
        Issue.record("expected an MQTTProtocolError, got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}

/// A small deterministic random generator (SplitMix64), so randomized tests fail reproducibly.
struct SeededRandom: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
}

import NIOCore
import NIOEmbedded
import NIOTestUtils
import NimbusMQTT
import Testing

@Suite("Frame decoder and encoder")
struct FrameDecoderTests {
    private static let connect: [UInt8] = [0x10, 0x10, 0x00, 0x04] + Array("MQTT".utf8) + [0x04, 0x02, 0x00, 0x3C] + mqttString("pub1")
    private static let pingReq: [UInt8] = [0xC0, 0x00]
    private static let publish: [UInt8] = [0x32, 0x09] + mqttString("a/b") + [0x00, 0x0A] + Array("hi".utf8)

    private static func expectedFrame(_ bytes: [UInt8]) -> MQTTFrame {
        let type = MQTTPacketType(rawValue: bytes[0] >> 4)!
        return MQTTFrame(type: type, flags: bytes[0] & 0x0F, body: ByteBuffer(bytes: bytes[2...]))
    }

    @Test("split, drip-fed and concatenated input decode to the same frames (ByteToMessageDecoderVerifier)")
    func verifier() throws {
        let large = [0x30, 0xC8, 0x01] + mqttString("big") + Array(repeating: UInt8(0x61), count: 195)  // 2-byte remaining length
        let pairs: [(ByteBuffer, [MQTTFrame])] = [
            (ByteBuffer(bytes: Self.connect), [Self.expectedFrame(Self.connect)]),
            (ByteBuffer(bytes: Self.pingReq + Self.publish), [Self.expectedFrame(Self.pingReq), Self.expectedFrame(Self.publish)]),
            (
                ByteBuffer(bytes: large),
                [MQTTFrame(type: .publish, flags: 0, body: ByteBuffer(bytes: large[3...]))]
            ),
        ]
        try ByteToMessageDecoderVerifier.verifyDecoder(inputOutputPairs: pairs) { MQTTFrameDecoder(maximumPacketSize: 1024) }
    }

    @Test("a partial packet is left unread until the rest arrives")
    func partialPacket() throws {
        var decoder = MQTTFrameDecoder()
        var buffer = ByteBuffer(bytes: Self.publish.dropLast())
        #expect(try decoder.decode(buffer: &buffer) == nil)
        #expect(buffer.readableBytes == Self.publish.count - 1, "nothing is consumed while waiting")
        buffer.writeBytes(Self.publish.suffix(1))
        #expect(try decoder.decode(buffer: &buffer) == Self.expectedFrame(Self.publish))
    }

    @Test("a remaining length of 5 bytes is malformed, even before the fifth byte arrives")
    func fiveByteLength() throws {
        var decoder = MQTTFrameDecoder()
        var fiveBytes = ByteBuffer(bytes: [0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x01])
        #expect(throws: MQTTProtocolError.malformedVariableByteInteger) { try decoder.decode(buffer: &fiveBytes) }
        var fourContinuations = ByteBuffer(bytes: [0x30, 0x80, 0x80, 0x80, 0x80])
        #expect(throws: MQTTProtocolError.malformedVariableByteInteger) { try decoder.decode(buffer: &fourContinuations) }
        #expect(MQTTProtocolError.malformedVariableByteInteger.reasonCode == .malformedPacket)
    }

    @Test("the largest 4-byte remaining length is accepted by the framing")
    func fourByteLength() throws {
        var decoder = MQTTFrameDecoder()
        var header = ByteBuffer(bytes: [0x30, 0xFF, 0xFF, 0xFF, 0x7F])
        #expect(try decoder.decode(buffer: &header) == nil, "waits for the 268,435,455-byte body")
    }

    @Test("an oversize packet is rejected as soon as its length is known, before its body arrives")
    func oversize() throws {
        var decoder = MQTTFrameDecoder(maximumPacketSize: 100)
        var header = ByteBuffer(bytes: [0x30, 0xE8, 0x07])  // remaining length 1000, no body yet
        let error = protocolError { _ = try decoder.decode(buffer: &header) }
        #expect(error == .packetTooLarge(size: 1003, maximum: 100))
        #expect(error?.reasonCode == .packetTooLarge)

        var exactlyAtLimit = ByteBuffer(bytes: [0x30, 0x62] + mqttString("t") + Array(repeating: 0, count: 95))
        #expect(try decoder.decode(buffer: &exactlyAtLimit)?.body.readableBytes == 98, "the limit counts the fixed header")
    }

    @Test("the oversize check fires through the pipeline before the body is written")
    func oversizeInPipeline() throws {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(MQTTFrameDecoder(maximumPacketSize: 64)))
        #expect(throws: MQTTProtocolError.packetTooLarge(size: 131, maximum: 64)) {
            try channel.writeInbound(ByteBuffer(bytes: [0x30, 0x80, 0x01]))
        }
    }

    @Test("packet type 0 is malformed")
    func reservedType() {
        var decoder = MQTTFrameDecoder()
        var buffer = ByteBuffer(bytes: [0x00, 0x00])
        let error = protocolError { _ = try decoder.decode(buffer: &buffer) }
        #expect(error == .invalidPacketType(0))
        #expect(error?.reasonCode == .malformedPacket)
    }

    @Test("reserved fixed-header flags are checked for every packet type except PUBLISH", arguments: MQTTPacketType.allCases)
    func reservedFlags(type: MQTTPacketType) throws {
        for flags in UInt8(0)...15 {
            var decoder = MQTTFrameDecoder()
            var buffer = ByteBuffer(bytes: [type.rawValue << 4 | flags, 0x00])
            let required = type.requiredFlags
            if required == nil || required == flags {
                #expect(try decoder.decode(buffer: &buffer) != nil, "\(type) with flags \(flags)")
            } else {
                #expect(throws: MQTTProtocolError.invalidFixedHeaderFlags(type, flags: flags)) { try decoder.decode(buffer: &buffer) }
            }
        }
        let expected: UInt8? = switch type {
        case .publish: nil
        case .pubRel, .subscribe, .unsubscribe: 0b0010
        default: 0
        }
        #expect(type.requiredFlags == expected)
    }

    @Test("frames are decoded in a NIO pipeline and encoded into one buffer")
    func pipeline() throws {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(MQTTFrameDecoder()))

        try channel.writeInbound(ByteBuffer(bytes: Self.connect + Self.pingReq))
        let connect = try #require(try channel.readInbound(as: MQTTFrame.self))
        let expected = MQTTPacket.connect(MQTTConnectPacket(protocolVersion: .v3_1_1, clientIdentifier: "pub1"))
        #expect(try MQTTPacket.decode(frame: connect, version: .v3_1_1) == expected)
        #expect(try channel.readInbound(as: MQTTFrame.self)?.type == .pingReq)

        let written = try [
            MQTTPacket.connAck(MQTTConnAckPacket()).frame(version: .v3_1_1), MQTTPacket.pingResp.frame(version: .v3_1_1),
        ].encoded()
        #expect(Array(written.readableBytesView) == [0x20, 0x02, 0x00, 0x00, 0xD0, 0x00])
        #expect(try channel.finish().isClean)
    }

    @Test("a frame reports its size on the wire, fixed header included")
    func encodedSize() throws {
        let frame = MQTTFrame(type: .publish, flags: 0, body: ByteBuffer(repeating: 0, count: 200))
        var buffer = ByteBuffer()
        try frame.write(into: &buffer)
        #expect(frame.encodedSize == 203)
        #expect(buffer.readableBytes == 203)
    }
}

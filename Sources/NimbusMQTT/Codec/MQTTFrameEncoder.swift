import NIOCore

/// Writes outbound `MQTTFrame`s to bytes; install it as `MessageToByteHandler(MQTTFrameEncoder())`.
///
/// The one way frames reach the wire: packets become frames with `MQTTPacket.frame(version:)` (which knows the
/// connection's version), and this encoder only adds the fixed header, so the pipeline needs no per-connection
/// state.
public struct MQTTFrameEncoder: MessageToByteEncoder {
    public typealias OutboundIn = MQTTFrame

    public init() {}

    public func encode(data: MQTTFrame, out: inout ByteBuffer) throws {
        try data.write(into: &out)
    }
}

import NIOCore

/// Any MQTT control packet: what a connection's frames decode to and what it encodes into frames.
///
/// The broker's connection loop is `for frame in inbound { switch try MQTTPacket.decode(frame:version:) … }`.
/// PINGREQ and PINGRESP carry nothing, so they are cases without a struct.
public enum MQTTPacket: Sendable, Hashable {
    case connect(MQTTConnectPacket)
    case connAck(MQTTConnAckPacket)
    case publish(MQTTPublishPacket)
    /// PUBACK, PUBREC, PUBREL or PUBCOMP, told apart by `kind`.
    case publishAck(MQTTPublishAckPacket)
    case subscribe(MQTTSubscribePacket)
    case subAck(MQTTSubAckPacket)
    case unsubscribe(MQTTUnsubscribePacket)
    case unsubAck(MQTTUnsubAckPacket)
    case pingReq
    case pingResp
    case disconnect(MQTTDisconnectPacket)
    case auth(MQTTAuthPacket)

    /// Parses a frame on a connection speaking `version`.
    ///
    /// A CONNECT is parsed in the version it names itself, whatever `version` says; before CONNECT a connection
    /// can pass any version, since only CONNECT is valid then (enforcing that is the session's job).
    ///
    /// - Throws: `MQTTProtocolError`, whose `reasonCode` the broker sends before closing; `invalidPacketType`
    ///   (0x81) for AUTH before MQTT 5, whose type value was reserved then.
    public static func decode(frame: MQTTFrame, version: MQTTProtocolVersion) throws -> MQTTPacket {
        switch frame.type {
        case .connect: return .connect(try MQTTConnectPacket(frame: frame, version: version))
        case .connAck: return .connAck(try MQTTConnAckPacket(frame: frame, version: version))
        case .publish: return .publish(try MQTTPublishPacket(frame: frame, version: version))
        case .pubAck, .pubRec, .pubRel, .pubComp: return .publishAck(try MQTTPublishAckPacket(frame: frame, version: version))
        case .subscribe: return .subscribe(try MQTTSubscribePacket(frame: frame, version: version))
        case .subAck: return .subAck(try MQTTSubAckPacket(frame: frame, version: version))
        case .unsubscribe: return .unsubscribe(try MQTTUnsubscribePacket(frame: frame, version: version))
        case .unsubAck: return .unsubAck(try MQTTUnsubAckPacket(frame: frame, version: version))
        case .pingReq:
            try frame.body.ensureFullyRead()
            return .pingReq
        case .pingResp:
            try frame.body.ensureFullyRead()
            return .pingResp
        case .disconnect: return .disconnect(try MQTTDisconnectPacket(frame: frame, version: version))
        case .auth:
            guard version.hasProperties else { throw MQTTProtocolError.invalidPacketType(frame.type.rawValue) }
            return .auth(try MQTTAuthPacket(frame: frame, version: version))
        }
    }

    /// The packet as a frame for a connection speaking `version`, ready to be written (`encoded()`).
    ///
    /// - Throws: `MQTTProtocolError` if the packet breaks a rule of the specification for `version`
    ///   (for example AUTH before MQTT 5, or a CONNACK code 3.1.1 cannot express).
    public func frame(version: MQTTProtocolVersion) throws -> MQTTFrame {
        switch self {
        case .connect(let packet): try packet.frame(version: version)
        case .connAck(let packet): try packet.frame(version: version)
        case .publish(let packet): try packet.frame(version: version)
        case .publishAck(let packet): try packet.frame(version: version)
        case .subscribe(let packet): try packet.frame(version: version)
        case .subAck(let packet): try packet.frame(version: version)
        case .unsubscribe(let packet): try packet.frame(version: version)
        case .unsubAck(let packet): try packet.frame(version: version)
        case .pingReq: MQTTFrame(type: .pingReq, flags: 0, body: ByteBuffer())
        case .pingResp: MQTTFrame(type: .pingResp, flags: 0, body: ByteBuffer())
        case .disconnect(let packet): try packet.frame(version: version)
        case .auth(let packet):
            if version.hasProperties {
                try packet.frame(version: version)
            } else {
                throw MQTTProtocolError.invalidPacketType(MQTTPacketType.auth.rawValue)
            }
        }
    }

    /// Writes the whole packet, fixed header included, for a connection speaking `version`.
    public func encode(into buffer: inout ByteBuffer, version: MQTTProtocolVersion) throws {
        try frame(version: version).write(into: &buffer)
    }

    /// The packet's type, e.g. for logging.
    public var packetType: MQTTPacketType {
        switch self {
        case .connect: .connect
        case .connAck: .connAck
        case .publish: .publish
        case .publishAck(let packet): packet.packetType
        case .subscribe: .subscribe
        case .subAck: .subAck
        case .unsubscribe: .unsubscribe
        case .unsubAck: .unsubAck
        case .pingReq: .pingReq
        case .pingResp: .pingResp
        case .disconnect: .disconnect
        case .auth: .auth
        }
    }
}

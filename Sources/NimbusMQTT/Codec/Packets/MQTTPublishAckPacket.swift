import NIOCore

/// PUBACK, PUBREC, PUBREL and PUBCOMP (both directions): the acknowledgements of QoS 1 and QoS 2 delivery.
///
/// One struct with a `kind` rather than four, because the four are the same bytes (a packet identifier, then in
/// MQTT 5 an optional reason code and properties) and differ only in packet type, PUBREL's fixed-header flags and
/// which reason codes are allowed, all of which the packet type already decides. Four copies would be four
/// places for the optional-tail rules to drift apart.
public struct MQTTPublishAckPacket: MQTTControlPacket {
    /// Which step of the QoS 1/2 handshake this packet is.
    public enum Kind: Sendable, Hashable, CaseIterable {
        /// QoS 1: the receiver has the message.
        case pubAck
        /// QoS 2 step 1: the receiver has the message and holds its identifier.
        case pubRec
        /// QoS 2 step 2: the sender releases the identifier.
        case pubRel
        /// QoS 2 step 3: the receiver has forgotten the identifier; the exchange is complete.
        case pubComp

        public var packetType: MQTTPacketType {
            switch self {
            case .pubAck: .pubAck
            case .pubRec: .pubRec
            case .pubRel: .pubRel
            case .pubComp: .pubComp
            }
        }

        init?(packetType: MQTTPacketType) {
            guard let kind = Self.allCases.first(where: { $0.packetType == packetType }) else { return nil }
            self = kind
        }
    }

    public var kind: Kind
    public var packetIdentifier: UInt16
    /// MQTT 5 only; 3.1 and 3.1.1 acknowledgements carry no outcome, so it is dropped when encoding for them.
    public var reasonCode: MQTTReasonCode
    public var properties: MQTTProperties

    public var packetType: MQTTPacketType { kind.packetType }

    public init(kind: Kind, packetIdentifier: UInt16, reasonCode: MQTTReasonCode = .success, properties: MQTTProperties = .init()) {
        self.kind = kind
        self.packetIdentifier = packetIdentifier
        self.reasonCode = reasonCode
        self.properties = properties
    }

    public init(frame: MQTTFrame, version: MQTTProtocolVersion) throws {
        guard let kind = Kind(packetType: frame.type) else { throw MQTTProtocolError.invalidPacketType(frame.type.rawValue) }
        var body = frame.body
        self.kind = kind
        packetIdentifier = try body.readMQTTPacketIdentifier(for: frame.type)
        if version.hasProperties {
            (reasonCode, properties) = try body.readMQTTReasonCodeAndProperties(for: frame.type)
        } else {
            (reasonCode, properties) = (.success, MQTTProperties())
        }
        try body.ensureFullyRead()
    }

    public func writeBody(into buffer: inout ByteBuffer, version: MQTTProtocolVersion) throws {
        try buffer.writeMQTTPacketIdentifier(packetIdentifier, for: packetType)
        if version.hasProperties {
            try buffer.writeMQTTReasonCodeAndProperties(reasonCode, properties, for: packetType)
        }
    }
}

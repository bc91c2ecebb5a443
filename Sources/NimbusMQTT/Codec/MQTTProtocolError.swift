/// Everything the codec can reject, each case knowing the MQTT 5 reason code the broker answers with.
///
/// One error type for framing, packet parsing, property validation, topics and encoding, so the broker's
/// connection loop needs one `catch`: it sends `reasonCode` in a DISCONNECT (or in the CONNACK when the CONNECT
/// itself failed; see `MQTTReasonCode.connectReturnCode` for 3.1.1) and closes the connection, as section 4.13 of
/// the MQTT 5 specification asks. The spec distinguishes a *Malformed Packet* (0x81, the bytes cannot be parsed as
/// the spec describes) from a *Protocol Error* (0x82, the packet parses but breaks a rule); the cases follow that
/// split where the spec names one.
public enum MQTTProtocolError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The remaining length (or another variable byte integer) runs past 4 bytes.
    case malformedVariableByteInteger
    /// A packet's total size exceeds the maximum the receiver allows; thrown as soon as the length is known.
    case packetTooLarge(size: Int, maximum: Int)
    /// The packet type nibble is 0, or 15 (AUTH) on a connection older than MQTT 5.
    case invalidPacketType(UInt8)
    /// The fixed header's low nibble is not what the packet type requires (or is DUP on a QoS 0 PUBLISH).
    case invalidFixedHeaderFlags(MQTTPacketType, flags: UInt8)
    /// The packet body ends before a field it announces.
    case truncatedPacket
    /// The packet body has bytes after its last field.
    case trailingBytes(count: Int)
    /// A string is not well-formed UTF-8 or contains U+0000.
    case invalidUTF8String
    /// CONNECT names a protocol name and level we do not speak.
    case unsupportedProtocolVersion(name: String, level: UInt8)
    /// A bit the specification reserves is set (CONNECT flags bit 0, CONNACK flags, subscription options).
    case reservedBitsSet(MQTTPacketType)
    /// A QoS field holds 3.
    case invalidQoS(UInt8)
    /// CONNECT sets a Will QoS or Will Retain without the Will Flag.
    case invalidWillFlags
    /// CONNECT sets the password flag without the user name flag, which only MQTT 5 allows.
    case passwordWithoutUsername
    /// CONNECT's client identifier cannot be accepted (empty where the version requires one).
    case clientIdentifierNotValid
    /// A packet identifier is 0, missing where the packet needs one, or present on a QoS 0 PUBLISH.
    case invalidPacketIdentifier(MQTTPacketType)
    /// A topic name is empty, contains a wildcard, or is longer than 65,535 bytes.
    case invalidTopicName(String)
    /// A topic filter breaks the wildcard rules, or a shared subscription's share name is invalid.
    case invalidTopicFilter(String)
    /// SUBSCRIBE, UNSUBSCRIBE or SUBACK carries no entries.
    case missingPayload(MQTTPacketType)
    /// An MQTT 5 subscription options byte asks for QoS 3 or Retain Handling 3.
    case invalidSubscriptionOptions(UInt8)
    /// A reason (or return) code that the packet cannot carry.
    case invalidReasonCode(MQTTReasonCode, MQTTPacketType)
    /// A property identifier the specification does not define.
    case unknownPropertyIdentifier(Int)
    /// A property that may appear only once appears again.
    case duplicateProperty(MQTTPropertyIdentifier)
    /// A property in a packet (or the will properties) where the specification does not allow it.
    case propertyNotAllowed(MQTTPropertyIdentifier, MQTTPropertyLocation)
    /// A property value outside its allowed range (for example Receive Maximum 0 or Maximum QoS 2).
    case invalidPropertyValue(MQTTPropertyIdentifier)
    /// A Topic Alias of 0, or an empty topic name without a Topic Alias.
    case invalidTopicAlias
    /// A value too long to encode: strings and binary data are limited to 65,535 bytes.
    case valueTooLong(byteCount: Int)

    /// The MQTT 5 reason code to put in the DISCONNECT (or CONNACK) that answers this error.
    public var reasonCode: MQTTReasonCode {
        switch self {
        case .malformedVariableByteInteger, .invalidPacketType, .invalidFixedHeaderFlags, .truncatedPacket, .trailingBytes,
            .invalidUTF8String, .reservedBitsSet, .invalidQoS, .invalidWillFlags, .passwordWithoutUsername,
            .unknownPropertyIdentifier:
            .malformedPacket
        case .invalidPacketIdentifier, .missingPayload, .invalidSubscriptionOptions, .invalidReasonCode, .duplicateProperty,
            .propertyNotAllowed, .invalidPropertyValue:
            .protocolError
        case .packetTooLarge: .packetTooLarge
        case .unsupportedProtocolVersion: .unsupportedProtocolVersion
        case .clientIdentifierNotValid: .clientIdentifierNotValid
        case .invalidTopicName: .topicNameInvalid
        case .invalidTopicFilter: .topicFilterInvalid
        case .invalidTopicAlias: .topicAliasInvalid
        case .valueTooLong: .implementationSpecificError
        }
    }

    public var description: String {
        switch self {
        case .malformedVariableByteInteger: "variable byte integer longer than 4 bytes"
        case .packetTooLarge(let size, let maximum): "packet of \(size) bytes exceeds the maximum of \(maximum)"
        case .invalidPacketType(let type): "invalid packet type \(type)"
        case .invalidFixedHeaderFlags(let type, let flags): "invalid fixed header flags \(flags) for \(type)"
        case .truncatedPacket: "packet ends before its last field"
        case .trailingBytes(let count): "\(count) unexpected bytes after the packet's last field"
        case .invalidUTF8String: "string is not well-formed UTF-8 or contains U+0000"
        case .unsupportedProtocolVersion(let name, let level): "unsupported protocol \(name) level \(level)"
        case .reservedBitsSet(let type): "reserved bits set in \(type)"
        case .invalidQoS(let qos): "invalid QoS \(qos)"
        case .invalidWillFlags: "will QoS or will retain set without the will flag"
        case .passwordWithoutUsername: "password without user name"
        case .clientIdentifierNotValid: "client identifier not valid"
        case .invalidPacketIdentifier(let type): "invalid packet identifier in \(type)"
        case .invalidTopicName(let name): "invalid topic name \"\(Self.abbreviated(name))\""
        case .invalidTopicFilter(let filter): "invalid topic filter \"\(Self.abbreviated(filter))\""
        case .missingPayload(let type): "\(type) without entries"
        case .invalidSubscriptionOptions(let options): "invalid subscription options \(options)"
        case .invalidReasonCode(let code, let type): "reason code \(code) not allowed in \(type)"
        case .unknownPropertyIdentifier(let identifier): "unknown property identifier \(identifier)"
        case .duplicateProperty(let identifier): "property \(identifier) appears more than once"
        case .propertyNotAllowed(let identifier, let location): "property \(identifier) not allowed in \(location)"
        case .invalidPropertyValue(let identifier): "invalid value for property \(identifier)"
        case .invalidTopicAlias: "invalid topic alias"
        case .valueTooLong(let count): "value of \(count) bytes is too long to encode"
        }
    }

    /// Peers choose topic names up to 64 KiB long; logs get the start of one, not all of it.
    private static func abbreviated(_ text: String) -> String {
        text.count <= 100 ? text : text.prefix(100) + "…"
    }
}

import NIOCore

/// One decoded MQTT 5 property value, in the representation its identifier's `valueType` names.
public enum MQTTPropertyValue: Sendable, Hashable {
    case byte(UInt8)
    case twoByteInteger(UInt16)
    case fourByteInteger(UInt32)
    case variableByteInteger(UInt32)
    case utf8String(String)
    case binaryData(ByteBuffer)
    case utf8StringPair(MQTTUserProperty)

    var asUInt8: UInt8? {
        if case .byte(let value) = self { value } else { nil }
    }

    var asUInt16: UInt16? {
        if case .twoByteInteger(let value) = self { value } else { nil }
    }

    var asUInt32: UInt32? {
        switch self {
        case .fourByteInteger(let value), .variableByteInteger(let value): value
        default: nil
        }
    }

    var asString: String? {
        if case .utf8String(let value) = self { value } else { nil }
    }

    var asBinary: ByteBuffer? {
        if case .binaryData(let value) = self { value } else { nil }
    }

    var asUserProperty: MQTTUserProperty? {
        if case .utf8StringPair(let value) = self { value } else { nil }
    }
}

/// One property as it appeared on the wire: identifier and value.
///
/// `MQTTProperties` keeps these in wire order, so a decoded packet re-encodes byte for byte and user properties
/// keep the order the specification says they must be forwarded in.
public struct MQTTProperty: Sendable, Hashable {
    public let identifier: MQTTPropertyIdentifier
    public internal(set) var value: MQTTPropertyValue
}

/// A User Property: an application-defined name/value pair that may repeat and whose order is significant.
public struct MQTTUserProperty: Sendable, Hashable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// The Payload Format Indicator: whether a message's payload is declared to be UTF-8 text.
public enum MQTTPayloadFormat: UInt8, Sendable, Hashable {
    case unspecifiedBytes = 0
    case utf8 = 1
}

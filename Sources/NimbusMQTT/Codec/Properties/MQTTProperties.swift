/// The MQTT 5 properties of a packet, or of a CONNECT's will.
///
/// Stored as the ordered list of properties that were on the wire, read and written through typed accessors
/// (`sessionExpiryInterval`, `userProperties`, …; see `MQTTProperties+Accessors.swift`). A list rather than one
/// stored field per property because most packets carry none: an empty list costs one word, and PUBLISH is the
/// hot path. MQTT 3.1 and 3.1.1 packets simply have empty properties, and encoding for those versions drops any,
/// which is what forwarding an MQTT 5 message to an older subscriber requires.
public struct MQTTProperties: Sendable, Hashable {
    /// Every property in order, repeatable ones (User Property, Subscription Identifier) once per occurrence.
    public private(set) var all: [MQTTProperty]

    /// No properties.
    public init() {
        all = []
    }

    public var isEmpty: Bool { all.isEmpty }

    /// The value of the first occurrence of `identifier`.
    public func value(of identifier: MQTTPropertyIdentifier) -> MQTTPropertyValue? {
        all.first { $0.identifier == identifier }?.value
    }

    /// Every value of a repeatable property, in order.
    public func values(of identifier: MQTTPropertyIdentifier) -> [MQTTPropertyValue] {
        all.filter { $0.identifier == identifier }.map(\.value)
    }

    /// Replaces the value of a single-valued property in place, or appends it; `nil` removes it.
    mutating func set(_ identifier: MQTTPropertyIdentifier, to value: MQTTPropertyValue?) {
        if let index = all.firstIndex(where: { $0.identifier == identifier }) {
            if let value {
                all[index].value = value
            } else {
                all.remove(at: index)
            }
        } else if let value {
            all.append(MQTTProperty(identifier: identifier, value: value))
        }
    }

    /// Replaces every occurrence of a repeatable property with `values`, appended in order.
    mutating func setAll(_ identifier: MQTTPropertyIdentifier, to values: [MQTTPropertyValue]) {
        all.removeAll { $0.identifier == identifier }
        all.append(contentsOf: values.map { MQTTProperty(identifier: identifier, value: $0) })
    }

    /// Appends one decoded property.
    mutating func append(_ property: MQTTProperty) {
        all.append(property)
    }

    /// Checks the rules the specification puts on a set of properties in `location`: each property allowed there,
    /// single-valued ones at most once, and values in range. Decoding applies it to what a peer sent; encoding
    /// applies it to what the broker built, so neither side of the wire sees a property the spec forbids.
    ///
    /// - Throws: `MQTTProtocolError.propertyNotAllowed`, `.duplicateProperty` or `.invalidPropertyValue`
    ///   (all 0x82 Protocol Error), or `.invalidTopicAlias` (0x94) for a Topic Alias of 0.
    public func validate(for location: MQTTPropertyLocation) throws {
        var seen: UInt64 = 0  // one bit per identifier; all identifiers are below 64
        for property in all {
            let identifier = property.identifier
            guard identifier.isAllowed(in: location) else {
                throw MQTTProtocolError.propertyNotAllowed(identifier, location)
            }
            let bit: UInt64 = 1 << identifier.rawValue
            if seen & bit != 0, !identifier.isRepeatable(in: location) {
                throw MQTTProtocolError.duplicateProperty(identifier)
            }
            seen |= bit
            try Self.validate(property.value, of: identifier)
        }
    }

    /// The value ranges the specification states explicitly; anything else it allows is accepted.
    private static func validate(_ value: MQTTPropertyValue, of identifier: MQTTPropertyIdentifier) throws {
        let isValid: Bool
        switch identifier {
        case .payloadFormatIndicator, .requestProblemInformation, .requestResponseInformation, .maximumQoS, .retainAvailable,
            .wildcardSubscriptionAvailable, .subscriptionIdentifierAvailable, .sharedSubscriptionAvailable:
            isValid = (value.asUInt8 ?? 2) <= 1
        case .receiveMaximum:
            isValid = value.asUInt16 != 0
        case .maximumPacketSize:
            isValid = value.asUInt32 != 0
        case .subscriptionIdentifier:
            isValid = value.asUInt32.map { $0 >= 1 && $0 <= MQTTVariableByteInteger.maximum } ?? false
        case .topicAlias:
            guard value.asUInt16 != 0 else { throw MQTTProtocolError.invalidTopicAlias }
            isValid = true
        default:
            isValid = true
        }
        guard isValid else { throw MQTTProtocolError.invalidPropertyValue(identifier) }
    }
}

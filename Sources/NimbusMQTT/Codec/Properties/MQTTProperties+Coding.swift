import NIOCore

extension MQTTProperties {
    /// Reads a property length and the properties it delimits, then validates them for `location`.
    ///
    /// - Throws: `truncatedPacket` if the length runs past the body, `unknownPropertyIdentifier` (0x81), and the
    ///   protocol errors `validate(for:)` throws.
    static func read(from buffer: inout ByteBuffer, location: MQTTPropertyLocation) throws -> MQTTProperties {
        let length = try buffer.readMQTTVariableByteInteger()
        guard var slice = buffer.readSlice(length: length) else { throw MQTTProtocolError.truncatedPacket }
        var properties = MQTTProperties()
        while slice.readableBytes > 0 {
            let rawIdentifier = try slice.readMQTTVariableByteInteger()
            guard let identifier = UInt8(exactly: rawIdentifier).flatMap(MQTTPropertyIdentifier.init(rawValue:)) else {
                throw MQTTProtocolError.unknownPropertyIdentifier(rawIdentifier)
            }
            let value = try readValue(of: identifier.valueType, from: &slice)
            properties.append(MQTTProperty(identifier: identifier, value: value))
        }
        try properties.validate(for: location)
        return properties
    }

    private static func readValue(of type: MQTTPropertyValueType, from buffer: inout ByteBuffer) throws -> MQTTPropertyValue {
        switch type {
        case .byte: .byte(try buffer.readMQTTByte())
        case .twoByteInteger: .twoByteInteger(try buffer.readMQTTTwoByteInteger())
        case .fourByteInteger: .fourByteInteger(try buffer.readMQTTFourByteInteger())
        case .variableByteInteger: .variableByteInteger(UInt32(try buffer.readMQTTVariableByteInteger()))
        case .utf8String: .utf8String(try buffer.readMQTTString())
        case .binaryData: .binaryData(try buffer.readMQTTBinary())
        case .utf8StringPair:
            .utf8StringPair(MQTTUserProperty(name: try buffer.readMQTTString(), value: try buffer.readMQTTString()))
        }
    }

    /// Validates the properties for `location`, then writes the property length and the properties.
    func write(into buffer: inout ByteBuffer, location: MQTTPropertyLocation) throws {
        guard !isEmpty else {
            buffer.writeInteger(UInt8(0))
            return
        }
        try validate(for: location)
        var encoded = ByteBuffer()
        for property in all {
            MQTTVariableByteInteger.write(Int(property.identifier.rawValue), into: &encoded)
            try Self.write(property.value, into: &encoded)
        }
        try buffer.writeMQTTVariableByteInteger(encoded.readableBytes)
        buffer.writeImmutableBuffer(encoded)
    }

    private static func write(_ value: MQTTPropertyValue, into buffer: inout ByteBuffer) throws {
        switch value {
        case .byte(let byte): buffer.writeInteger(byte)
        case .twoByteInteger(let integer): buffer.writeMQTTTwoByteInteger(integer)
        case .fourByteInteger(let integer): buffer.writeMQTTFourByteInteger(integer)
        case .variableByteInteger(let integer): try buffer.writeMQTTVariableByteInteger(Int(integer))
        case .utf8String(let string): try buffer.writeMQTTString(string)
        case .binaryData(let bytes): try buffer.writeMQTTBinary(bytes)
        case .utf8StringPair(let pair):
            try buffer.writeMQTTString(pair.name)
            try buffer.writeMQTTString(pair.value)
        }
    }
}

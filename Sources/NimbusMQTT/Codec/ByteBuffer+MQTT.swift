import NIOCore

/// The MQTT data representations (section 1.5 of the specification) read from and written to a packet body.
///
/// Reads throw `MQTTProtocolError.truncatedPacket` when the body ends early, so packet parsers can read fields in
/// order without checking lengths themselves.
extension ByteBuffer {
    mutating func readMQTTByte() throws -> UInt8 {
        guard let value = readInteger(as: UInt8.self) else { throw MQTTProtocolError.truncatedPacket }
        return value
    }

    mutating func readMQTTTwoByteInteger() throws -> UInt16 {
        guard let value = readInteger(endianness: .big, as: UInt16.self) else { throw MQTTProtocolError.truncatedPacket }
        return value
    }

    mutating func readMQTTFourByteInteger() throws -> UInt32 {
        guard let value = readInteger(endianness: .big, as: UInt32.self) else { throw MQTTProtocolError.truncatedPacket }
        return value
    }

    mutating func readMQTTVariableByteInteger() throws -> Int {
        guard let (value, length) = try MQTTVariableByteInteger.peek(in: self, at: readerIndex) else {
            throw MQTTProtocolError.truncatedPacket
        }
        moveReaderIndex(forwardBy: length)
        return value
    }

    /// Reads a length-prefixed UTF-8 string, rejecting ill-formed UTF-8 and U+0000 as the spec requires
    /// (MQTT-1.5.4-1, MQTT-1.5.4-2). `ByteBuffer.readString` would repair bad bytes instead, hiding a malformed packet.
    mutating func readMQTTString() throws -> String {
        let bytes = try readMQTTBinary()
        return try bytes.withUnsafeReadableBytes { raw in
            guard !raw.contains(0), let string = String(validating: raw, as: UTF8.self) else {
                throw MQTTProtocolError.invalidUTF8String
            }
            return string
        }
    }

    /// Reads length-prefixed binary data as a slice sharing this buffer's storage.
    mutating func readMQTTBinary() throws -> ByteBuffer {
        let length = Int(try readMQTTTwoByteInteger())
        guard let slice = readSlice(length: length) else { throw MQTTProtocolError.truncatedPacket }
        return slice
    }

    /// Reads the 2-byte packet identifier that PUBLISH (QoS > 0), the acknowledgements, SUBSCRIBE and UNSUBSCRIBE
    /// carry; 0 is never a valid identifier (MQTT-2.2.1-3).
    mutating func readMQTTPacketIdentifier(for packetType: MQTTPacketType) throws -> UInt16 {
        let identifier = try readMQTTTwoByteInteger()
        guard identifier != 0 else { throw MQTTProtocolError.invalidPacketIdentifier(packetType) }
        return identifier
    }

    /// Throws if bytes remain after a packet's last field: a body longer than its fields is malformed.
    func ensureFullyRead() throws {
        guard readableBytes == 0 else { throw MQTTProtocolError.trailingBytes(count: readableBytes) }
    }

    mutating func writeMQTTTwoByteInteger(_ value: UInt16) {
        writeInteger(value, endianness: .big)
    }

    mutating func writeMQTTFourByteInteger(_ value: UInt32) {
        writeInteger(value, endianness: .big)
    }

    mutating func writeMQTTVariableByteInteger(_ value: Int) throws {
        guard value <= MQTTVariableByteInteger.maximum else { throw MQTTProtocolError.valueTooLong(byteCount: value) }
        MQTTVariableByteInteger.write(value, into: &self)
    }

    mutating func writeMQTTString(_ string: String) throws {
        let count = string.utf8.count
        guard count <= Int(UInt16.max) else { throw MQTTProtocolError.valueTooLong(byteCount: count) }
        writeMQTTTwoByteInteger(UInt16(count))
        writeString(string)
    }

    mutating func writeMQTTBinary(_ bytes: ByteBuffer) throws {
        let count = bytes.readableBytes
        guard count <= Int(UInt16.max) else { throw MQTTProtocolError.valueTooLong(byteCount: count) }
        writeMQTTTwoByteInteger(UInt16(count))
        writeImmutableBuffer(bytes)
    }

    /// Writes a packet identifier, refusing 0 so a broker bug cannot put an invalid identifier on the wire.
    mutating func writeMQTTPacketIdentifier(_ identifier: UInt16, for packetType: MQTTPacketType) throws {
        guard identifier != 0 else { throw MQTTProtocolError.invalidPacketIdentifier(packetType) }
        writeMQTTTwoByteInteger(identifier)
    }
}

/// The rules for a topic name: the topic a PUBLISH (or a will) is sent to, as opposed to a filter subscribed with.
public enum MQTTTopicName {
    /// Topic names are UTF-8 strings, whose length prefix limits them to 65,535 bytes.
    public static let maximumLength = 65_535

    /// Checks that `name` can be published to: at least one character (MQTT-4.7.3-1), no `+` or `#` wildcards
    /// (MQTT-3.3.2-2), no U+0000 (MQTT-4.7.3-2) and at most 65,535 bytes.
    ///
    /// - Throws: `MQTTProtocolError.invalidTopicName`, reason code 0x90 Topic Name invalid.
    public static func validate(_ name: String) throws {
        guard isValid(name) else { throw MQTTProtocolError.invalidTopicName(name) }
    }

    /// Whether `name` is a valid topic name; see `validate(_:)`.
    public static func isValid(_ name: String) -> Bool {
        let bytes = name.utf8
        return !bytes.isEmpty && bytes.count <= maximumLength
            && !bytes.contains { $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "#") || $0 == 0 }
    }
}

/// A validated topic filter, as subscribed to: topic levels separated by `/`, where a level may be `+` (any one
/// level) and the last level may be `#` (any number of levels, including none).
///
/// A filter of the form `$share/{ShareName}/{filter}` is a shared subscription (MQTT 5, also honoured for 3.1.1
/// clients as mosquitto does): the subscribers of one share name and filter form a group, and each matching
/// message goes to one member of the group instead of all of them.
public struct MQTTTopicFilter: Sendable, Hashable, CustomStringConvertible {
    /// The filter exactly as subscribed, including any `$share/{ShareName}/` prefix; what UNSUBSCRIBE names.
    public let rawValue: String
    /// The share name of a shared subscription, `nil` for an ordinary one.
    public let shareName: String?
    /// The levels of the filter proper (after any share prefix); `+` and `#` are the wildcards.
    public let levels: [String]

    /// Parses and validates a filter.
    ///
    /// - Throws: `MQTTProtocolError.invalidTopicFilter` (0x8F) when the filter is empty, longer than 65,535 bytes,
    ///   contains U+0000, has `#` anywhere but alone in the last level (MQTT-4.7.1-1) or `+` not alone in its level
    ///   (MQTT-4.7.1-2), or is a `$share/` filter whose share name is empty or contains `+`, `#` or `/`
    ///   (MQTT-4.8.2-1, -2) or that names no filter after it.
    public init(_ rawValue: String) throws {
        guard !rawValue.isEmpty, rawValue.utf8.count <= MQTTTopicName.maximumLength, !rawValue.utf8.contains(0) else {
            throw MQTTProtocolError.invalidTopicFilter(rawValue)
        }
        var filter = Substring(rawValue)
        var shareName: String?
        if rawValue.hasPrefix(Self.sharePrefix) {
            let afterPrefix = filter.dropFirst(Self.sharePrefix.count)
            guard let slash = afterPrefix.firstIndex(of: "/") else { throw MQTTProtocolError.invalidTopicFilter(rawValue) }
            let name = afterPrefix[..<slash]
            filter = afterPrefix[afterPrefix.index(after: slash)...]
            guard !name.isEmpty, !name.contains(where: { $0 == "+" || $0 == "#" }), !filter.isEmpty else {
                throw MQTTProtocolError.invalidTopicFilter(rawValue)
            }
            shareName = String(name)
        }
        let levels = filter.split(separator: "/", omittingEmptySubsequences: false)
        for (index, level) in levels.enumerated() where level.contains(where: { $0 == "+" || $0 == "#" }) {
            let isLast = index == levels.count - 1
            guard level == "+" || (level == "#" && isLast) else { throw MQTTProtocolError.invalidTopicFilter(rawValue) }
        }
        self.rawValue = rawValue
        self.shareName = shareName
        self.levels = levels.map(String.init)
    }

    private static let sharePrefix = "$share/"

    /// Whether this is a shared subscription (`$share/{ShareName}/…`).
    public var isShared: Bool { shareName != nil }

    /// Whether the filter matches more than one topic name.
    public var hasWildcards: Bool { levels.contains { $0 == "+" || $0 == "#" } }

    /// Whether a message published to `topicName` is delivered to a subscription with this filter.
    ///
    /// A filter whose first level is a wildcard does not match topic names that start with `$` (MQTT-4.7.2-1), so
    /// `#` does not see `$SYS/…` while `$SYS/#` does. `sport/#` also matches `sport` itself, and `+` matches an
    /// empty level. `topicName` is assumed valid (see `MQTTTopicName`).
    public func matches(topicName: String) -> Bool {
        if topicName.hasPrefix("$"), levels[0] == "+" || levels[0] == "#" { return false }
        var topicLevels = topicName.split(separator: "/", omittingEmptySubsequences: false)[...]
        for level in levels {
            if level == "#" { return true }
            guard let topicLevel = topicLevels.popFirst(), level == "+" || level == topicLevel else { return false }
        }
        return topicLevels.isEmpty
    }

    public var description: String { rawValue }

    /// Filters are equal when their text is: the share name and levels are derived from it.
    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.rawValue == rhs.rawValue }

    public func hash(into hasher: inout Hasher) { hasher.combine(rawValue) }
}

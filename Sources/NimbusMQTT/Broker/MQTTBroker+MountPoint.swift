/// Mount points are plain prefixes: the broker stores every topic and filter in one namespace with the client's
/// mount point in front, and takes it off again for what a client sees.
extension MQTTBroker {
    static func fullTopic(_ topic: String, in mountPoint: String) -> String {
        mountPoint + topic
    }

    /// `fullTopic` without `mountPoint`; the caller knows the prefix is there (the subscriber's filter matched).
    static func localTopic(_ fullTopic: String, in mountPoint: String) -> String {
        String(decoding: fullTopic.utf8.dropFirst(mountPoint.utf8.count), as: UTF8.self)
    }

    /// The filter as indexed: the mount point goes after a `$share/{ShareName}/` prefix, so the filter proper is
    /// confined to the tree while the share group stays a group.
    static func fullFilter(_ filter: MQTTTopicFilter, in mountPoint: String) throws -> MQTTTopicFilter {
        let proper = mountPoint + filter.levels.joined(separator: "/")
        guard let shareName = filter.shareName else { return try MQTTTopicFilter(proper) }
        return try MQTTTopicFilter("$share/\(shareName)/\(proper)")
    }
}

/// Where retained messages outlive the process (`NimbusStore` implements it over SQL). The broker keeps every
/// retained message in memory for routing; this store is written through before a retained PUBLISH is
/// acknowledged, and read once at start-up.
///
/// Topics here are full topics, mount point included: one table serves every project.
public protocol MQTTRetainedStore: Sendable {
    /// Every stored retained message.
    func retainedMessages() async throws -> [MQTTRetainedRecord]

    /// Makes `record.message` its topic's retained message, or deletes the topic's retained message when the
    /// payload is empty (MQTT-3.3.1-6). Returns once the change is durable.
    func retain(_ record: MQTTRetainedRecord) async throws
}

/// A retained message as stored, with whose it is, so the quotas (`MQTTRetainedQuota`) hold across restarts.
public struct MQTTRetainedRecord: Sendable {
    /// Topic with mount point.
    public var message: MQTTMessage
    public var mountPoint: String
    /// The principal that published it (`MQTTClient.owner`); empty for a dialect's own messages.
    public var owner: String

    public init(message: MQTTMessage, mountPoint: String, owner: String) {
        self.message = message
        self.mountPoint = mountPoint
        self.owner = owner
    }
}

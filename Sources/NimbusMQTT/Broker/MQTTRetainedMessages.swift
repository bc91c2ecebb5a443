import NIOCore

/// The broker's retained messages by full topic, with what the server, each project (mount point) and each
/// principal in it hold of them, so that `MQTTRetainedQuota` is checked without a scan.
struct MQTTRetainedMessages: Sendable {
    struct Entry: Sendable {
        /// Topic with mount point.
        var message: MQTTMessage
        var mountPoint: String
        /// The principal that published it (`MQTTClient.owner`); empty for a dialect's own messages.
        var owner: String
        var size: Int { message.payload.readableBytes }
    }

    struct Usage: Sendable, Hashable {
        var messages = 0
        var bytes = 0
    }

    private struct OwnerKey: Hashable {
        var mountPoint: String
        var owner: String
    }

    private(set) var entries: [String: Entry] = [:]
    private var total = Usage()
    private var byProject: [String: Usage] = [:]
    private var byOwner: [OwnerKey: Usage] = [:]

    subscript(topic: String) -> MQTTMessage? { entries[topic]?.message }

    var messages: some Collection<MQTTMessage> { entries.values.lazy.map(\.message) }

    /// What a project holds.
    func usage(of mountPoint: String) -> Usage { byProject[mountPoint] ?? Usage() }

    /// Why retaining `message` (full topic) would break `quota`, or `nil` when it fits. Replacing a topic's message
    /// counts the difference; an empty payload deletes and always fits.
    func refusal(_ message: MQTTMessage, in mountPoint: String, owner: String, quota: MQTTRetainedQuota) -> String? {
        let size = message.payload.readableBytes
        guard size > 0 else { return nil }
        let replaced = entries[message.topic]
        var project = usage(of: mountPoint)
        var client = byOwner[OwnerKey(mountPoint: mountPoint, owner: owner)] ?? Usage()
        var server = total
        if let replaced {
            server.bytes -= replaced.size
            project.messages -= 1
            project.bytes -= replaced.size
            if replaced.owner == owner {
                client.messages -= 1
                client.bytes -= replaced.size
            }
        }
        if server.bytes + size > quota.bytesInTotal { return "the server's retained messages take \(server.bytes) bytes" }
        if project.messages + 1 > quota.messagesPerProject { return "the project has \(project.messages) retained messages" }
        if project.bytes + size > quota.bytesPerProject { return "the project's retained messages take \(project.bytes) bytes" }
        guard !owner.isEmpty else { return nil }
        if client.messages + 1 > quota.messagesPerClient { return "this client has \(client.messages) retained messages" }
        if client.bytes + size > quota.bytesPerClient { return "this client's retained messages take \(client.bytes) bytes" }
        return nil
    }

    /// Makes `message` (full topic) its topic's retained message; an empty payload deletes it.
    mutating func set(_ message: MQTTMessage, in mountPoint: String, owner: String) {
        remove(message.topic)
        guard message.payload.readableBytes > 0 else { return }
        let entry = Entry(message: message, mountPoint: mountPoint, owner: owner)
        entries[message.topic] = entry
        count(entry, sign: 1)
    }

    /// Removes the project's retained messages whose Message Expiry Interval has passed; returns their topics.
    mutating func removeExpired(in mountPoint: String, now: ContinuousClock.Instant = .now) -> [String] {
        let expired = entries.values.filter { $0.mountPoint == mountPoint && $0.message.isExpired(now: now) }.map(\.message.topic)
        for topic in expired { remove(topic) }
        return expired
    }

    mutating func remove(_ topic: String) {
        guard let old = entries.removeValue(forKey: topic) else { return }
        count(old, sign: -1)
    }

    private mutating func count(_ entry: Entry, sign: Int) {
        total.add(entry.size, sign: sign)
        byProject[entry.mountPoint, default: Usage()].add(entry.size, sign: sign)
        if byProject[entry.mountPoint]?.messages == 0 { byProject[entry.mountPoint] = nil }
        let key = OwnerKey(mountPoint: entry.mountPoint, owner: entry.owner)
        byOwner[key, default: Usage()].add(entry.size, sign: sign)
        if byOwner[key]?.messages == 0 { byOwner[key] = nil }
    }
}

extension MQTTRetainedMessages.Usage {
    fileprivate mutating func add(_ size: Int, sign: Int) {
        messages += sign
        bytes += sign * size
    }
}

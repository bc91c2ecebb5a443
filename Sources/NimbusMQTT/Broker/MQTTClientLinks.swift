import Synchronization

/// Counts the MQTT connections of each principal (a device, a thing) so that a dialect keeps one feed per
/// principal while it has at least one connection, whatever their number: `attach` starts the feed with the
/// first connection, `detach` stops it with the last. What the feed carries (commands, key-value changes,
/// revocation) and where it goes stay the dialect's: the broker knows no bus.
public final class MQTTClientLinks<Key: Hashable & Sendable>: Sendable {
    private struct Link {
        var clients: Set<MQTTSessionKey>
        let stop: @Sendable () -> Void
    }

    private let links = Mutex<[Key: Link]>([:])

    public init() {}

    /// A connection of `key` was admitted; `start` runs if it is the first one, and returns how to stop the feed.
    public func attach(_ key: Key, client: MQTTSessionKey, start: () throws -> @Sendable () -> Void) throws {
        try links.withLock { links in
            if links[key] != nil {
                links[key]?.clients.insert(client)
                return
            }
            links[key] = Link(clients: [client], stop: try start())
        }
    }

    /// A connection of `key` ended; the feed stops with the last one.
    public func detach(_ key: Key, client: MQTTSessionKey) {
        let stop = links.withLock { links -> (@Sendable () -> Void)? in
            links[key]?.clients.remove(client)
            guard let link = links[key], link.clients.isEmpty else { return nil }
            links[key] = nil
            return link.stop
        }
        stop?()
    }

    /// The connections of `key` now (to close them all on revocation).
    public func clients(of key: Key) -> Set<MQTTSessionKey> {
        links.withLock { $0[key]?.clients ?? [] }
    }
}

import Foundation
import NimbusMQTT
import NimbusStore
import SQLKit

/// The broker's persistent sessions in `mqtt_sessions`, `mqtt_subscriptions` and `mqtt_queue`.
extension SQLMQTTStore: MQTTSessionStore {
    public func storedSessions() async throws -> [MQTTStoredSession] {
        try await storedSessions(matching: nil)
    }

    public func storedSession(_ key: MQTTSessionKey) async throws -> MQTTStoredSession? {
        try await storedSessions(matching: key).first
    }

    /// Every stored session, or the one of `key`.
    private func storedSessions(matching key: MQTTSessionKey?) async throws -> [MQTTStoredSession] {
        let only: SQLQueryString = key.map {
            " WHERE mount_point = \(bind: $0.mountPoint) AND owner = \(bind: $0.owner) AND client_id = \(bind: $0.clientIdentifier)"
        } ?? ""
        return try await store.withConnection { db in
            var sessions: [MQTTSessionKey: MQTTStoredSession] = [:]
            for row in try await db.raw("SELECT mount_point, owner, client_id, expiry FROM mqtt_sessions\(only)").all() {
                let key = try Self.sessionKey(row)
                sessions[key] = MQTTStoredSession(key: key, expiry: UInt32(clamping: try row.column("expiry") as Int), subscriptions: [], queued: [])
            }
            for row in try await db.raw("SELECT * FROM mqtt_subscriptions\(only)").all() {
                let key = try Self.sessionKey(row)
                let identifier: Int? = try row.column("identifier")
                sessions[key]?.subscriptions.append(
                    MQTTStoredSubscription(
                        filter: try row.column("filter"), options: UInt8(clamping: try row.column("options") as Int),
                        identifier: identifier.map { UInt32(clamping: $0) }))
            }
            for row in try await db.raw("SELECT * FROM mqtt_queue\(only) ORDER BY id").all() {
                let key = try Self.sessionKey(row)
                guard sessions[key] != nil else { continue }
                let identifiers: String = try row.column("subscription_identifiers")
                sessions[key]?.queued.append(
                    MQTTDelivery(
                        message: try MQTTMessage(archived: Array(try row.decode(column: "message", as: Data.self))),
                        qos: MQTTQoS(rawValue: UInt8(clamping: try row.column("qos") as Int)) ?? .atLeastOnce,
                        topic: try row.column("topic"), retain: try row.column("retain"),
                        subscriptionIdentifiers: identifiers.split(separator: ",").compactMap { UInt32($0) }))
            }
            return Array(sessions.values)
        }
    }

    public func saveSession(_ key: MQTTSessionKey, expiry: UInt32, subscriptions: [MQTTStoredSubscription]) async throws {
        try await store.withTransaction { db in
            try await db.raw("""
                INSERT INTO mqtt_sessions (mount_point, owner, client_id, expiry)
                VALUES (\(bind: key.mountPoint), \(bind: key.owner), \(bind: key.clientIdentifier), \(bind: Int(expiry)))
                ON CONFLICT (mount_point, owner, client_id) DO UPDATE SET expiry = excluded.expiry
                """).run()
            try await db.raw("""
                DELETE FROM mqtt_subscriptions WHERE \(Self.sessionCondition(key))
                """).run()
            for subscription in subscriptions {
                try await db.raw("""
                    INSERT INTO mqtt_subscriptions (mount_point, owner, client_id, filter, options, identifier)
                    VALUES (\(bind: key.mountPoint), \(bind: key.owner), \(bind: key.clientIdentifier), \(bind: subscription.filter),
                        \(bind: Int(subscription.options)), \(bind: subscription.identifier.map { Int($0) }))
                    """).run()
            }
        }
    }

    public func enqueue(_ deliveries: [(MQTTSessionKey, MQTTDelivery)], keeping limit: MQTTQueueLimit) async throws {
        let rows = try deliveries.map { key, delivery in (key, delivery, Data(try delivery.message.archived())) }
        try await store.withTransaction { db in
            for (key, delivery, message) in rows {
                try await Self.insertQueued(delivery, archived: message, for: key, into: db)
            }
            for key in Set(deliveries.map(\.0)) {
                try await Self.trimQueue(of: key, to: limit, in: db)
            }
        }
    }

    /// Deletes the session's oldest queued messages past `limit`'s count or bytes (counting the stored packet,
    /// a little more than its payload), keeping at least the newest.
    private static func trimQueue(of key: MQTTSessionKey, to limit: MQTTQueueLimit, in db: any SQLDatabase) async throws {
        try await db.raw("""
            DELETE FROM mqtt_queue WHERE id IN (
                SELECT id FROM (
                    SELECT id, ROW_NUMBER() OVER (ORDER BY id DESC) AS position,
                        SUM(LENGTH(message)) OVER (ORDER BY id DESC) AS bytes
                    FROM mqtt_queue WHERE \(sessionCondition(key))
                ) AS newest_first
                WHERE position > 1 AND (position > \(bind: limit.messages) OR bytes > \(bind: limit.bytes)))
            """).run()
    }

    public func replaceQueue(of key: MQTTSessionKey, with deliveries: [MQTTDelivery]) async throws {
        let rows = try deliveries.map { delivery in (delivery, Data(try delivery.message.archived())) }
        try await store.withTransaction { db in
            try await db.raw("""
                DELETE FROM mqtt_queue WHERE \(Self.sessionCondition(key))
                """).run()
            for (delivery, message) in rows {
                try await Self.insertQueued(delivery, archived: message, for: key, into: db)
            }
        }
    }

    public func deleteSession(_ key: MQTTSessionKey) async throws {
        try await store.withTransaction { db in
            for table in ["mqtt_sessions", "mqtt_subscriptions", "mqtt_queue"] {
                try await db.raw("""
                    DELETE FROM \(unsafeRaw: table) WHERE \(Self.sessionCondition(key))
                    """).run()
            }
        }
    }

    /// The session a row of any of the three tables belongs to.
    private static func sessionKey(_ row: any SQLRow) throws -> MQTTSessionKey {
        MQTTSessionKey(mountPoint: try row.column("mount_point"), owner: try row.column("owner"), clientIdentifier: try row.column("client_id"))
    }

    /// The `WHERE` condition selecting one session's rows in any of the three tables.
    private static func sessionCondition(_ key: MQTTSessionKey) -> SQLQueryString {
        "mount_point = \(bind: key.mountPoint) AND owner = \(bind: key.owner) AND client_id = \(bind: key.clientIdentifier)"
    }

    private static func insertQueued(_ delivery: MQTTDelivery, archived: Data, for key: MQTTSessionKey, into db: any SQLDatabase) async throws {
        let identifiers = delivery.subscriptionIdentifiers.map(String.init).joined(separator: ",")
        try await db.raw("""
            INSERT INTO mqtt_queue (mount_point, owner, client_id, qos, topic, retain, subscription_identifiers, message)
            VALUES (\(bind: key.mountPoint), \(bind: key.owner), \(bind: key.clientIdentifier), \(bind: Int(delivery.qos.rawValue)), \(bind: delivery.topic),
                \(bind: delivery.retain), \(bind: identifiers), \(bind: archived))
            """).run()
    }
}

import Foundation
import NIOCore
import NimbusCore
import NimbusMQTT

/// Where MODE lives in the broker: each project's topic tree, and a device's topics inside it (with MODE's
/// leading `/`, as the vendor's SDKs write them).
public enum ModeMQTTTopics {
    /// The mount point of a project's topic tree: every MQTT client of the project is confined to it.
    public static func mountPoint(project projectId: Int) -> String {
        "p\(projectId)/"
    }

    /// The prefix of every topic of one device; a device may use only topics under it.
    static func devicePrefix(_ deviceId: Int) -> String { "/devices/\(deviceId)/" }
    static func event(_ deviceId: Int) -> String { devicePrefix(deviceId) + "event" }
    static func command(_ deviceId: Int) -> String { devicePrefix(deviceId) + "command" }
    static func keyValues(_ deviceId: Int) -> String { devicePrefix(deviceId) + "kv" }
}

/// The JSON MODE devices exchange over MQTT (`seed-apis.md` §1.4).
enum ModeMQTTWire {
    /// A KeyValueSync message, cloud to device: `reload` with every item, or one `set` or `delete`, each with the
    /// store-wide `rev` so the device can ignore what it already has.
    struct KeyValueSync: Encodable {
        var action: String
        var rev: Int
        var key: String?
        var value: JSONValue?
        var numItems: Int?
        var items: [ModeWire.KeyValue]?

        static func reload(_ pairs: [KeyValuePair], revision: Int) -> Self {
            Self(action: "reload", rev: revision, numItems: pairs.count, items: pairs.map(ModeWire.KeyValue.init))
        }

        static func change(_ change: KeyValueChange) -> Self {
            switch change {
            case .set(let pair): Self(action: "set", rev: pair.revision, key: pair.key, value: pair.value)
            case .deleted(let key, let revision): Self(action: "delete", rev: revision, key: key)
            }
        }
    }

    /// `payload` as a JSON object, or a refusal saying why not.
    static func object(_ payload: ByteBuffer) throws -> [String: JSONValue] {
        guard case .object(let object)? = JSONValue(jsonText: String(decoding: payload.readableBytesView, as: UTF8.self)) else {
            throw MQTTPublishRefusal(.payloadFormatInvalid, reason: "the payload must be a JSON object")
        }
        return object
    }

    static func string(_ object: [String: JSONValue], _ field: String) throws -> String {
        guard case .string(let value)? = object[field] else {
            throw MQTTPublishRefusal(.payloadFormatInvalid, reason: "\(field) must be a string")
        }
        return value
    }

    /// A message to a device at QoS 1 (a QoS 0 subscription gets it at QoS 0).
    static func message(_ value: some Encodable, topic: String) throws -> MQTTMessage {
        MQTTMessage(topic: topic, payload: ByteBuffer(string: try ModeWire.json(value)), qos: .atLeastOnce)
    }
}

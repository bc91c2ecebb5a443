import NimbusCore
import NimbusMQTT

/// What a device publishes on the topics MODE handles, read from the payload (`seed-apis.md` §1.4): an event on
/// `/devices/{id}/event`, a key-value change on `/devices/{id}/kv`. Parsed in one place, so a PUBLISH and a will
/// (checked at CONNECT, carried out when it goes out) are read alike.
enum ModeMQTTDevicePublication: Equatable {
    /// `{"eventType": …, "eventData": {…}}`, as `PUT /devices/{id}/event` takes it.
    case event(eventType: String, eventData: [String: JSONValue])
    /// `{"action": "set", "key": …, "value": …}`.
    case setKeyValue(key: String, value: JSONValue)
    /// `{"action": "delete", "key": …}`.
    case deleteKeyValue(key: String)

    /// - Throws: `MQTTPublishRefusal` (0x99 Payload format invalid) for a payload that is not such a message.
    init(_ message: MQTTMessage, deviceId: Int) throws {
        let object = try ModeMQTTWire.object(message.payload)
        if message.topic == ModeMQTTTopics.event(deviceId) {
            let eventType = try ModeMQTTWire.string(object, "eventType")
            switch object["eventData"] {
            case nil, .null?: self = .event(eventType: eventType, eventData: [:])
            case .object(let data)?: self = .event(eventType: eventType, eventData: data)
            default: throw MQTTPublishRefusal(.payloadFormatInvalid, reason: "eventData must be an object")
            }
            return
        }
        let key = try ModeMQTTWire.string(object, "key")
        switch try ModeMQTTWire.string(object, "action") {
        case "set":
            guard let value = object["value"] else { throw MQTTPublishRefusal(.payloadFormatInvalid, reason: "value is missing") }
            self = .setKeyValue(key: key, value: value)
        case "delete":
            self = .deleteKeyValue(key: key)
        default:
            throw MQTTPublishRefusal(.payloadFormatInvalid, reason: "action must be set or delete")
        }
    }
}

import Foundation
import NimbusCore

/// A network's sensor integration (`/sensors/integrations`), kept as the home's settings document
/// `wifimotion-integration`. Its external account is the network's MQTT credential (the core's account MQTT client):
/// the sensor hub connects to Nimbus's broker with `userThingName` as user name and the credential's secret as
/// password (`docs/wifimotion.md`, "Sensors").
struct WiFiMotionIntegration: Sendable, Equatable {
    static let key = "wifimotion-integration"

    var enabled: Bool
    var oobPhase: String
    var userId: Int
    var created: Date
    var updated: Date

    init(enabled: Bool, oobPhase: String, userId: Int, at now: Date) {
        self.enabled = enabled
        self.oobPhase = oobPhase
        self.userId = userId
        self.created = now
        self.updated = now
    }

    init?(stored: JSONValue?) {
        guard case .object(let object)? = stored, case .bool(let enabled)? = object["enabled"], case .number(let userId)? = object["user_id"],
              case .string(let created)? = object["created_at"], let createdAt = Timestamp.parse(created),
              case .string(let updated)? = object["updated_at"], let updatedAt = Timestamp.parse(updated)
        else { return nil }
        self.enabled = enabled
        if case .string(let phase)? = object["oob_phase"] { oobPhase = phase } else { oobPhase = "" }
        self.userId = Int(userId)
        self.created = createdAt
        self.updated = updatedAt
    }

    var stored: JSONValue {
        .object([
            "enabled": .bool(enabled), "oob_phase": .string(oobPhase), "user_id": .number(Double(userId)),
            "created_at": WiFiMotionWire.time(created), "updated_at": WiFiMotionWire.time(updated),
        ])
    }

    /// `USER_<32 hex>`: the MQTT client id of the network's credential, without dashes.
    static func userThingName(of clientId: UUID) -> String {
        "USER_" + clientId.uuidString.lowercased().replacingOccurrences(of: "-", with: "")
    }

    /// The credential id a `USER_<32 hex>` user name stands for.
    static func clientId(ofUserThingName name: String) -> UUID? {
        guard name.hasPrefix("USER_") else { return nil }
        let hex = Array(name.dropFirst(5))
        guard hex.count == 32, hex.allSatisfy(\.isHexDigit) else { return nil }
        let text = String(hex[0..<8]) + "-" + String(hex[8..<12]) + "-" + String(hex[12..<16]) + "-" + String(hex[16..<20]) + "-" + String(hex[20..<32])
        return UUID(uuidString: text)
    }

    /// The object the API answers: the account's fields with `show_account=true` (`credentials` given).
    func json(networkId: Int, credentials: IssuedMQTTClient?, showAccount: Bool, host: String) -> JSONValue {
        let userThingName = credentials.map { Self.userThingName(of: $0.client.id) }
        var object: [String: JSONValue] = [
            "id": .number(Double(networkId)), "integrations_enable": .bool(enabled), "network_id": .number(Double(networkId)),
            "external_id": .number(Double(networkId)), "user_id": .number(Double(userId)),
            "userThingName": userThingName.map(JSONValue.string) ?? .null, "oob_phase": .string(oobPhase),
            "created_at": WiFiMotionWire.time(created), "updated_at": WiFiMotionWire.time(updated),
        ]
        if showAccount, let credentials, let userThingName {
            object["external_account"] = .string(userThingName)
            object["external_email"] = .string("\(userThingName)@\(host)")
            object["external_password"] = .string(credentials.secret)
            object["external_token"] = .null
        }
        return .object(object)
    }
}

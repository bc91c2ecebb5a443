import Foundation

/// An account's MQTT credentials (Cayenne's "MQTT client"): `id` is the MQTT user name every thing of the account
/// connects with, the secret its password. The secret must be shown again on every `POST /clients` (the sample
/// app asks at each sign-in), so the store keeps it sealed with the server's key (`sealedSecret`) beside a
/// SHA-256 hash that connections are checked against in constant time.
public struct AccountMQTTClient: Sendable, Hashable {
    public var id: UUID
    public var projectId: Int
    public var homeId: Int
    public var secretHash: String
    public var sealedSecret: String
    public var creationTime: Date
    public var rotationTime: Date?

    public init(id: UUID, projectId: Int, homeId: Int, secretHash: String, sealedSecret: String, creationTime: Date, rotationTime: Date?) {
        self.id = id
        self.projectId = projectId
        self.homeId = homeId
        self.secretHash = secretHash
        self.sealedSecret = sealedSecret
        self.creationTime = creationTime
        self.rotationTime = rotationTime
    }
}

/// The account's MQTT credentials in clear, as `POST /clients` answers them.
public struct IssuedMQTTClient: Sendable, Hashable {
    public var client: AccountMQTTClient
    public var secret: String

    public init(client: AccountMQTTClient, secret: String) {
        self.client = client
        self.secret = secret
    }
}

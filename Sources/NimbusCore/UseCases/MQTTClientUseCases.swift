import Foundation

/// Each account's MQTT credentials (Cayenne's `POST /clients`) and the check of a thing's MQTT connection.
///
/// One credential per account, made on the first call and the same on every later one (the sample app asks at
/// each sign-in), until the account's owner rotates it. It lets its holder report as any thing of the account,
/// so it is given to members who may add and edit devices.
public struct MQTTClientUseCases: Sendable {
    let environment: CoreEnvironment
    var store: any Store { environment.store }

    /// Why a thing's MQTT connection is refused.
    public enum Refusal: Error, Sendable, Hashable {
        /// No such user name, or the wrong password.
        case badCredentials
        /// The client id names no activated thing of the credential's account.
        case unknownThing
    }

    /// The account's credentials, made on the first call.
    public func issue(accountId: Int?, by principal: Principal) async throws -> IssuedMQTTClient {
        try await store.write { tx in
            let (home, _) = try await AccessPolicy.account(accountId, of: principal, needs: (.devices, .addEdit), in: tx)
            if let client = try await tx.mqttClients.find(homeId: home.id) { return try self.opened(client) }
            let secret = Self.newSecret()
            let client = AccountMQTTClient(
                id: UUID(), projectId: home.projectId, homeId: home.id, secretHash: Secrets.hash(secret),
                sealedSecret: try environment.secretBox.seal(secret), creationTime: environment.clock.now(), rotationTime: nil)
            try await tx.mqttClients.insert(client)
            return IssuedMQTTClient(client: client, secret: secret)
        }
    }

    /// The account's credentials, if it has any (`GET /clients`).
    public func get(accountId: Int?, by principal: Principal) async throws -> IssuedMQTTClient {
        try await store.read { tx in
            let (home, _) = try await AccessPolicy.account(accountId, of: principal, needs: (.devices, .addEdit), in: tx)
            guard let client = try await tx.mqttClients.find(homeId: home.id) else { throw NimbusError.notFound("mqtt client") }
            return try self.opened(client)
        }
    }

    /// A new secret for the account (owners only); every connection made with the old one is closed.
    public func rotate(accountId: Int?, by principal: Principal) async throws -> IssuedMQTTClient {
        let (issued, things) = try await store.write { tx in
            let (home, member) = try await AccessPolicy.account(accountId, of: principal, needs: nil, in: tx)
            guard member.role == .owner else { throw NimbusError.permissionDenied }
            guard var client = try await tx.mqttClients.find(homeId: home.id) else { throw NimbusError.notFound("mqtt client") }
            let secret = Self.newSecret()
            client.secretHash = Secrets.hash(secret)
            client.sealedSecret = try environment.secretBox.seal(secret)
            client.rotationTime = environment.clock.now()
            try await tx.mqttClients.update(client)
            let things = try await tx.devices.list(projectId: home.projectId, homeId: home.id, page: PageRequest(skip: 0, limit: 100_000)).items
            return (IssuedMQTTClient(client: client, secret: secret), things.map(\.id))
        }
        for id in things { environment.revoke(.device(id)) }
        return issued
    }

    /// How a caller holding the account's credentials names its thing.
    public enum ThingName: Sendable {
        /// The thing's id (the MQTT client id; the `{clientID}` of HTTP push).
        case id(String)
        /// Its hardware id (a LoRaWAN DevEUI), compared without separators and case.
        case hardwareId(String)
    }

    /// Checks the account's credentials (an MQTT CONNECT, or `Authorization: Basic` on HTTP push and LoRaWAN
    /// uplinks) and finds the thing they report as: an activated thing of that account. Returns the thing and the
    /// principal it acts as.
    public func authenticate(username: String, password: String, thing name: ThingName) async throws -> (thing: Device, principal: Principal) {
        guard let clientId = UUID(uuidString: username) else { throw Refusal.badCredentials }
        return try await store.read { tx in
            let client = try await Self.checked(clientId, password: password, in: tx)
            let thing: Device?
            switch name {
            case .id(let id):
                thing = try await UUID(uuidString: id).asyncMap { try await tx.devices.find(uuid: $0) } ?? nil
            case .hardwareId(let hardwareId):
                if let normalized = try await tx.devices.find(homeId: client.homeId, hardwareId: Self.normalizedHardwareId(hardwareId)) {
                    thing = normalized
                } else {
                    thing = try await tx.devices.find(homeId: client.homeId, hardwareId: hardwareId)
                }
            }
            guard let thing, thing.homeId == client.homeId, thing.status == .activated else { throw Refusal.unknownThing }
            return (thing, .device(deviceId: thing.id, projectId: thing.projectId))
        }
    }

    /// The credentials of `clientId` if `password` is theirs (a gateway connecting before its thing exists).
    public func account(clientId: UUID, password: String) async throws -> AccountMQTTClient {
        try await store.read { tx in try await Self.checked(clientId, password: password, in: tx) }
    }

    private static func checked(_ clientId: UUID, password: String, in tx: any StoreTransaction) async throws -> AccountMQTTClient {
        guard let client = try await tx.mqttClients.get(id: clientId) else {
            _ = Secrets.matches(password, hash: Self.decoyHash)  // the same work as a known user name
            throw Refusal.badCredentials
        }
        guard Secrets.matches(password, hash: client.secretHash) else { throw Refusal.badCredentials }
        return client
    }

    /// A DevEUI as LoRaWAN servers write it: upper-case hex without separators (`70B3D57ED0001234`).
    public static func normalizedHardwareId(_ hardwareId: String) -> String {
        hardwareId.uppercased().filter { $0 != "-" && $0 != ":" && $0 != " " }
    }

    private func opened(_ client: AccountMQTTClient) throws -> IssuedMQTTClient {
        guard let secret = environment.secretBox.open(client.sealedSecret) else {
            // Sealed with another key: the server was given a different `secrets-key-file` than before.
            throw NimbusError.storeFailure("an MQTT secret cannot be opened with this server's secrets key")
        }
        return IssuedMQTTClient(client: client, secret: secret)
    }

    /// 40 hex digits (160 bits), like the secrets Cayenne handed out.
    static func newSecret() -> String {
        Secrets.randomBytes(20).hexString
    }

    private static let decoyHash = Secrets.hash(UUID().uuidString)
}

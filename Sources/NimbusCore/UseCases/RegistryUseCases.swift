import Foundation

/// Cayenne's thing registry and pairing: a developer provisions hardware ids (one, a batch of one type, or a CSV of
/// several types) before the devices ship; a user pairs one into their account by its hardware id, which makes
/// the thing. Provisioning needs the `devices: add_edit` permission of an account of the project, and the entries
/// belong to that account: only it reads one by id, deletes one or sees it once paired, and they count against its
/// `registryEntriesPerAccount`. Any account of the project finds a pending entry by its hardware id and pairs it
/// (with `devices: add_edit` in the account paired into). A hardware id is provisioned once per project.
public struct RegistryUseCases: Sendable {
    let environment: CoreEnvironment
    var store: any Store { environment.store }

    /// One entry to provision: a hardware id (or one to generate) and a type (or the generic device type).
    public struct NewEntry: Sendable {
        public var hardwareId: String?
        public var typeId: UUID?
        public var codec: String?

        public init(hardwareId: String?, typeId: UUID?, codec: String?) {
            self.hardwareId = hardwareId
            self.typeId = typeId
            self.codec = codec
        }
    }

    /// The most entries one request provisions (the seed's limit).
    public static let maximumBatch = 500

    /// Provisions the entries, all or none: a hardware id given twice or already provisioned in the project is
    /// `conflict`. An entry without a hardware id gets a generated one (16 hex digits, like an EUI-64).
    public func provision(_ entries: [NewEntry], applicationId: String?, accountId: Int?, by principal: Principal) async throws -> [RegistryEntry] {
        guard !entries.isEmpty else { throw NimbusError.invalidInput(field: "hardware_ids", reason: "at least one entry") }
        guard entries.count <= Self.maximumBatch else {
            throw NimbusError.invalidInput(field: "count", reason: "at most \(Self.maximumBatch) entries at a time")
        }
        let now = environment.clock.now()
        let hardwareIds = try entries.enumerated().map { index, entry in
            try entry.hardwareId.map { try Validation.text($0, field: "hardware_ids[\(index)]", maxLength: 128) } ?? Self.generatedHardwareId()
        }
        guard Set(hardwareIds).count == hardwareIds.count else {
            throw NimbusError.invalidInput(field: "hardware_ids", reason: "a hardware id is given twice")
        }
        let codecs = try entries.map { try $0.codec.map { try Validation.text($0, field: "codec", maxLength: 64) } }
        return try await store.write { tx in
            let (home, _) = try await AccessPolicy.account(accountId, of: principal, needs: (.devices, .addEdit), in: tx)
            guard try await tx.registry.existing(projectId: home.projectId, hardwareIds: hardwareIds).isEmpty else {
                throw NimbusError.rejected(.alreadyExists)
            }
            let limit = environment.thingLimits.registryEntriesPerAccount
            guard try await tx.registry.count(homeId: home.id) + entries.count <= limit else {
                throw NimbusError.limitReached(what: "registry entries", limit: limit)
            }
            var made: [RegistryEntry] = []
            for (index, entry) in entries.enumerated() {
                let typeId = entry.typeId ?? ThingType.genericDeviceId
                _ = try await ThingTypeUseCases.visibleType(typeId, in: home, tx: tx)
                made.append(RegistryEntry(
                    id: UUID(), projectId: home.projectId, homeId: home.id, hardwareId: hardwareIds[index], typeId: typeId, codec: codecs[index],
                    applicationId: applicationId, status: .pending, thingId: nil, creationTime: now, pairTime: nil))
            }
            try await tx.registry.insert(made)
            return made
        }
    }

    public func get(_ id: UUID, accountId: Int?, by principal: Principal) async throws -> RegistryEntry {
        try await store.read { tx in
            let (home, _) = try await AccessPolicy.account(accountId, of: principal, needs: (.devices, .view), in: tx)
            return try await Self.ownEntry(id, in: home, tx: tx)
        }
    }

    public func find(hardwareId: String, accountId: Int?, by principal: Principal) async throws -> RegistryEntry {
        try await store.read { tx in
            let (home, _) = try await AccessPolicy.account(accountId, of: principal, needs: (.devices, .view), in: tx)
            guard let entry = try await tx.registry.find(projectId: home.projectId, hardwareId: hardwareId),
                  entry.status == .pending || Self.isOwned(entry, by: home) else {
                throw NimbusError.notFound("registry entry")
            }
            return entry
        }
    }

    /// Removes an entry; a thing already paired from it stays.
    public func delete(_ id: UUID, accountId: Int?, by principal: Principal) async throws {
        try await store.write { tx in
            let (home, _) = try await AccessPolicy.account(accountId, of: principal, needs: (.devices, .delete), in: tx)
            _ = try await Self.ownEntry(id, in: home, tx: tx)
            try await tx.registry.delete(id: id)
        }
    }

    /// Pairs a pending entry into the caller's account: the thing is made with the entry's type, hardware id and
    /// codec, and the entry is `PAIRED`. An unknown hardware id is "not found", one already paired `conflict`.
    public func pair(hardwareId: String, name: String?, network: String?, accountId: Int?, by principal: Principal) async throws -> (ThingUseCases.Thing, RegistryEntry) {
        let hardwareId = try Validation.text(hardwareId, field: "hardware_id", maxLength: 128)
        let name = try name.map { try Validation.text($0, field: "name", maxLength: 128) }
        let network = try network.map { try Validation.text($0, field: "network", maxLength: 64) }
        return try await store.write { tx in
            let (home, _) = try await AccessPolicy.account(accountId, of: principal, needs: (.devices, .addEdit), in: tx)
            guard var entry = try await tx.registry.find(projectId: home.projectId, hardwareId: hardwareId) else {
                throw NimbusError.notFound("registry entry")
            }
            guard entry.status == .pending else { throw NimbusError.rejected(.alreadyExists) }
            var properties: [String: JSONValue] = ["device_registry_id": .string(entry.id.lowercaseString), "deveui": .string(hardwareId)]
            if let codec = entry.codec { properties["codec"] = .string(codec) }
            if let network { properties["network"] = .string(network) }
            let things = ThingUseCases(environment: environment)
            let device = try await things.insertThing(
                name: name ?? hardwareId, typeId: entry.typeId, parent: nil, hardwareId: hardwareId, properties: properties,
                status: .activated, in: home, tx: tx)
            entry.status = .paired
            entry.thingId = device.id
            entry.pairTime = environment.clock.now()
            try await tx.registry.update(entry)
            return (ThingUseCases.Thing(device: device, parentUUID: nil, children: []), entry)
        }
    }

    /// An entry the account provisioned (or one from before owners were kept); anything else is "not found".
    private static func ownEntry(_ id: UUID, in home: Home, tx: any StoreTransaction) async throws -> RegistryEntry {
        guard let entry = try await tx.registry.get(id: id, projectId: home.projectId), isOwned(entry, by: home) else {
            throw NimbusError.notFound("registry entry")
        }
        return entry
    }

    private static func isOwned(_ entry: RegistryEntry, by home: Home) -> Bool {
        entry.homeId == nil || entry.homeId == home.id
    }

    static func generatedHardwareId() -> String {
        Secrets.randomBytes(8).hexString.uppercased()
    }
}

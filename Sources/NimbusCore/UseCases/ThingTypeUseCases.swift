import Foundation

/// Thing types and their channels. An account member with the `devices` permission makes types for their
/// account; everyone in the project also sees the project-wide and built-in types, which they cannot change.
public struct ThingTypeUseCases: Sendable {
    let environment: CoreEnvironment
    var store: any Store { environment.store }

    /// A type with its channels.
    public struct Described: Sendable, Hashable {
        public var type: ThingType
        public var channels: [ThingTypeChannel]
    }

    /// What a create or a partial update sets; `nil` leaves a field as it is (or at its default).
    public struct Changes: Sendable {
        public var name: String?
        public var description: String?
        public var category: String?
        public var subcategory: String?
        public var transportProtocol: String?
        public var protocolVersion: String?
        public var model: String?
        public var version: String?
        public var manufacturer: String?
        public var codec: String?
        public var dataType: String?
        public var parentConstraint: ThingType.Constraint?
        public var childConstraint: ThingType.Constraint?
        public var properties: [String: JSONValue]?

        public init() {}
    }

    /// A channel to add or change.
    public struct ChannelChanges: Sendable {
        public var channel: String?
        public var name: String?
        public var dataType: String?
        public var ipso: String?

        public init(channel: String? = nil, name: String? = nil, dataType: String? = nil, ipso: String? = nil) {
            self.channel = channel
            self.name = name
            self.dataType = dataType
            self.ipso = ipso
        }
    }

    var limits: ThingLimits { environment.thingLimits }

    public func create(_ changes: Changes, accountId: Int?, by principal: Principal) async throws -> Described {
        let now = environment.clock.now()
        var type = ThingType(
            id: UUID(), projectId: 0, homeId: nil, name: "", description: "", category: "module", subcategory: nil,
            transportProtocol: "mqtt", protocolVersion: nil, model: nil, version: nil, manufacturer: nil, codec: nil, dataType: nil,
            parentConstraint: .allowed, childConstraint: .allowed, properties: [:], creationTime: now, updateTime: now)
        try Self.apply(changes, to: &type, limits: limits)
        _ = try Validation.requiredText(changes.name, "name")
        return try await store.write { [type] tx in
            let (home, _) = try await AccessPolicy.account(accountId, of: principal, needs: (.devices, .addEdit), in: tx)
            let own = try await tx.thingTypes.list(projectId: home.projectId, homeId: home.id).count { $0.homeId == home.id }
            guard own < limits.typesPerAccount else { throw NimbusError.limitReached(what: "thing types", limit: limits.typesPerAccount) }
            var stored = type
            stored.projectId = home.projectId
            stored.homeId = home.id
            try await tx.thingTypes.insert(stored)
            return Described(type: stored, channels: [])
        }
    }

    /// The built-in types, then the project's and the account's own, oldest first.
    public func list(accountId: Int?, by principal: Principal) async throws -> [ThingType] {
        try await store.read { tx in
            let (home, _) = try await AccessPolicy.account(accountId, of: principal, needs: (.devices, .view), in: tx)
            return ThingType.builtIn(projectId: home.projectId) + (try await tx.thingTypes.list(projectId: home.projectId, homeId: home.id))
        }
    }

    public func get(_ id: UUID, accountId: Int?, by principal: Principal) async throws -> Described {
        try await store.read { tx in
            let (home, _) = try await AccessPolicy.account(accountId, of: principal, needs: (.devices, .view), in: tx)
            let type = try await Self.visibleType(id, in: home, tx: tx)
            return Described(type: type, channels: try await tx.thingTypes.channels(typeId: id))
        }
    }

    public func update(_ id: UUID, _ changes: Changes, accountId: Int?, by principal: Principal) async throws -> Described {
        try await store.write { tx in
            var type = try await self.ownType(id, accountId: accountId, by: principal, needs: .addEdit, tx: tx)
            try Self.apply(changes, to: &type, limits: limits)
            type.updateTime = environment.clock.now()
            try await tx.thingTypes.update(type)
            return Described(type: type, channels: try await tx.thingTypes.channels(typeId: id))
        }
    }

    /// Deletes a type no thing uses (a type in use answers 409 `conflict`).
    public func delete(_ id: UUID, accountId: Int?, by principal: Principal) async throws {
        try await store.write { tx in
            _ = try await self.ownType(id, accountId: accountId, by: principal, needs: .delete, tx: tx)
            guard try await tx.thingTypes.thingCount(typeId: id) == 0 else { throw NimbusError.rejected(.alreadyExists) }
            try await tx.thingTypes.delete(id: id)
        }
    }

    public func addChannel(_ changes: ChannelChanges, to typeId: UUID, accountId: Int?, by principal: Principal) async throws -> ThingTypeChannel {
        var channel = ThingTypeChannel(id: 0, typeId: typeId, channel: "", name: "", dataType: nil, ipso: nil)
        try Self.apply(changes, to: &channel)
        _ = try Validation.requiredText(changes.channel, "channel")
        _ = try Validation.requiredText(changes.name, "name")
        return try await store.write { [channel] tx in
            _ = try await self.ownType(typeId, accountId: accountId, by: principal, needs: .addEdit, tx: tx)
            let existing = try await tx.thingTypes.channels(typeId: typeId)
            guard existing.count < limits.channelsPerType else {
                throw NimbusError.limitReached(what: "channels on one thing type", limit: limits.channelsPerType)
            }
            guard !existing.contains(where: { $0.channel == channel.channel }) else { throw NimbusError.rejected(.alreadyExists) }
            return try await tx.thingTypes.insertChannel(channel)
        }
    }

    public func updateChannel(_ id: Int, _ changes: ChannelChanges, of typeId: UUID, accountId: Int?, by principal: Principal) async throws -> ThingTypeChannel {
        try await store.write { tx in
            _ = try await self.ownType(typeId, accountId: accountId, by: principal, needs: .addEdit, tx: tx)
            let channels = try await tx.thingTypes.channels(typeId: typeId)
            guard var channel = channels.first(where: { $0.id == id }) else { throw NimbusError.notFound("channel") }
            try Self.apply(changes, to: &channel)
            guard !channels.contains(where: { $0.id != id && $0.channel == channel.channel }) else { throw NimbusError.rejected(.alreadyExists) }
            try await tx.thingTypes.updateChannel(channel)
            return channel
        }
    }

    public func deleteChannel(_ id: Int, of typeId: UUID, accountId: Int?, by principal: Principal) async throws {
        try await store.write { tx in
            _ = try await self.ownType(typeId, accountId: accountId, by: principal, needs: .delete, tx: tx)
            guard try await tx.thingTypes.channels(typeId: typeId).contains(where: { $0.id == id }) else { throw NimbusError.notFound("channel") }
            try await tx.thingTypes.deleteChannel(id: id)
        }
    }

    /// How a thing's uplinks are decoded: its own `properties.codec`, else its type's `codec`; `nil` when neither says.
    /// For a thing already authenticated (a LoRaWAN uplink signed with its account's credentials).
    public func codec(of thing: Device) async throws -> String? {
        if case .string(let codec)? = thing.properties["codec"], !codec.isEmpty { return codec }
        guard let typeId = UUID(uuidString: thing.deviceClass), let homeId = thing.homeId else { return nil }
        return try await store.read { tx in
            guard let home = try await tx.homes.get(id: homeId) else { return nil }
            return try? await Self.visibleType(typeId, in: home, tx: tx).codec
        }
    }

    // MARK: - Rules

    /// A type the account may use: built-in, project-wide or its own.
    static func visibleType(_ id: UUID, in home: Home, tx: any StoreTransaction) async throws -> ThingType {
        if let builtIn = ThingType.builtIn(projectId: home.projectId).first(where: { $0.id == id }) { return builtIn }
        guard let type = try await tx.thingTypes.get(id: id, projectId: home.projectId), type.homeId == nil || type.homeId == home.id else {
            throw NimbusError.notFound("thing type")
        }
        return type
    }

    /// A type the caller may change: their account's own. Built-in and project-wide types are visible but not theirs.
    private func ownType(_ id: UUID, accountId: Int?, by principal: Principal, needs: Access, tx: any StoreTransaction) async throws -> ThingType {
        let (home, _) = try await AccessPolicy.account(accountId, of: principal, needs: (.devices, needs), in: tx)
        let type = try await Self.visibleType(id, in: home, tx: tx)
        guard type.homeId == home.id else { throw NimbusError.permissionDenied }
        return type
    }

    private static func apply(_ changes: Changes, to type: inout ThingType, limits: ThingLimits) throws {
        if let name = changes.name { type.name = try Validation.text(name, field: "name", maxLength: 128) }
        if let description = changes.description { type.description = try Validation.text(description, field: "description", maxLength: 1024, allowEmpty: true) }
        if let category = changes.category { type.category = try Validation.text(category, field: "category", maxLength: 64) }
        if let transport = changes.transportProtocol { type.transportProtocol = try Validation.text(transport, field: "transport_protocol", maxLength: 64) }
        type.subcategory = try optional(changes.subcategory, "subcategory", current: type.subcategory)
        type.protocolVersion = try optional(changes.protocolVersion, "protocol_version", current: type.protocolVersion)
        type.model = try optional(changes.model, "model", current: type.model)
        type.version = try optional(changes.version, "version", current: type.version)
        type.manufacturer = try optional(changes.manufacturer, "manufacturer", current: type.manufacturer)
        type.codec = try optional(changes.codec, "codec", current: type.codec)
        type.dataType = try optional(changes.dataType, "data_type", current: type.dataType)
        if let constraint = changes.parentConstraint { type.parentConstraint = constraint }
        if let constraint = changes.childConstraint { type.childConstraint = constraint }
        if let properties = changes.properties { type.properties = try ThingUseCases.checked(properties, limits: limits) }
    }

    private static func apply(_ changes: ChannelChanges, to channel: inout ThingTypeChannel) throws {
        if let value = changes.channel { channel.channel = try Validation.text(value, field: "channel", maxLength: 64) }
        if let name = changes.name { channel.name = try Validation.text(name, field: "name", maxLength: 128) }
        channel.dataType = try optional(changes.dataType, "datatype", current: channel.dataType)
        channel.ipso = try optional(changes.ipso, "ipso", current: channel.ipso)
    }

    private static func optional(_ value: String?, _ field: String, current: String?) throws -> String? {
        guard let value else { return current }
        return try Validation.text(value, field: field, maxLength: 128, allowEmpty: true)
    }
}

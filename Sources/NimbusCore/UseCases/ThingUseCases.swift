import Foundation

/// Cayenne's things: the devices of an account, with one child thing per sensor channel. Every call acts in the
/// caller's account (`AccessPolicy.account`) and needs the `devices` permission it names; another account's
/// things are "not found".
public struct ThingUseCases: Sendable {
    let environment: CoreEnvironment
    var store: any Store { environment.store }

    /// A thing as the API shows it: the device, its parent's UUID and its children.
    public struct Thing: Sendable, Hashable {
        public var device: Device
        public var parentUUID: UUID?
        public var children: [Device]
    }

    /// What a create or a partial update sets; `nil` leaves a field as it is (or at its default).
    public struct Changes: Sendable {
        public var name: String?
        public var typeId: UUID?
        public var parentId: UUID?
        public var hardwareId: String?
        public var properties: [String: JSONValue]?
        public var status: Device.Status?

        public init(
            name: String? = nil, typeId: UUID? = nil, parentId: UUID? = nil, hardwareId: String? = nil,
            properties: [String: JSONValue]? = nil, status: Device.Status? = nil
        ) {
            self.name = name
            self.typeId = typeId
            self.parentId = parentId
            self.hardwareId = hardwareId
            self.properties = properties
            self.status = status
        }
    }

    var limits: ThingLimits { environment.thingLimits }

    public func create(_ changes: Changes, accountId: Int?, by principal: Principal) async throws -> Thing {
        let name = try Validation.text(try Validation.required(changes.name, "name"), field: "name", maxLength: 128)
        let properties = try Self.checked(changes.properties ?? [:], limits: limits)
        let hardwareId = try changes.hardwareId.map { try Validation.text($0, field: "hardware_id", maxLength: 128) }
        return try await store.write { tx in
            let (home, _) = try await AccessPolicy.account(accountId, of: principal, needs: (.devices, .addEdit), in: tx)
            let parent = try await changes.parentId.asyncMap { try await self.parent($0, in: home, tx: tx) }
            let typeId = changes.typeId ?? (parent == nil ? ThingType.genericDeviceId : ThingType.genericSensorId)
            let device = try await self.insertThing(
                name: name, typeId: typeId, parent: parent, hardwareId: hardwareId, properties: properties,
                status: changes.status ?? .activated, in: home, tx: tx)
            return Thing(device: device, parentUUID: parent?.uuid, children: [])
        }
    }

    /// Stores a new thing of the account, of a type the account may use, within the account's limits. Its device
    /// credential is a random key nobody is shown: a thing reports with its account's MQTT credentials.
    func insertThing(
        name: String, typeId: UUID, parent: Device?, hardwareId: String?, properties: [String: JSONValue], status: Device.Status,
        in home: Home, tx: any StoreTransaction
    ) async throws -> Device {
        _ = try await ThingTypeUseCases.visibleType(typeId, in: home, tx: tx)
        let siblings = try await parent.asyncMap { try await tx.devices.children(of: [$0.id]).count }
        try await Self.checkRoom(for: 1, in: home.id, channelsOfParent: siblings, limits: limits, tx: tx)
        return try await tx.devices.insert(Self.newThing(
            projectId: home.projectId, homeId: home.id, typeId: typeId, name: name, parentId: parent?.id,
            channel: parent == nil ? nil : Self.channel(in: properties), hardwareId: hardwareId, status: status,
            properties: properties, at: environment.clock.now()))
    }

    /// The record of a new thing, to insert: claimed into its account at once, with a random device key nobody is
    /// shown (also for the channel sensors the ingest makes on a first reading).
    public static func newThing(
        projectId: Int, homeId: Int?, typeId: UUID, name: String, parentId: Int?, channel: String?, hardwareId: String?,
        status: Device.Status, properties: [String: JSONValue], at now: Date
    ) -> Device {
        Device(
            id: 0, uuid: UUID(), projectId: projectId, deviceClass: typeId.lowercaseString, name: name, tag: "", homeId: homeId,
            apiKeyHash: Secrets.hash(Secrets.token(prefix: "v1.d.")), claimCodeHash: nil, claimTime: now, claimExpirationTime: nil,
            isConnected: false, lastConnectTime: nil, lastDisconnectTime: nil, creationTime: now, parentId: parentId, channel: channel,
            hardwareId: hardwareId, status: status, properties: properties, updateTime: now)
    }

    /// The account's activated top-level things, each with its children (the seed lists only active things).
    public func list(accountId: Int?, by principal: Principal) async throws -> [Thing] {
        try await store.read { tx in
            let (home, _) = try await AccessPolicy.account(accountId, of: principal, needs: (.devices, .view), in: tx)
            var things: [Device] = []
            var page = PageRequest(skip: 0, limit: 500)
            while true {
                let batch = try await tx.devices.list(projectId: home.projectId, homeId: home.id, page: page)
                things += batch.items.filter { $0.status == .activated }
                guard batch.items.count == page.limit else { break }
                page.skip += page.limit
            }
            let children = Dictionary(grouping: try await tx.devices.children(of: things.map(\.id)), by: { $0.parentId ?? 0 })
            return things.map { Thing(device: $0, parentUUID: nil, children: children[$0.id] ?? []) }
        }
    }

    public func get(_ id: UUID, accountId: Int?, by principal: Principal) async throws -> Thing {
        try await store.read { tx in
            let (home, _) = try await AccessPolicy.account(accountId, of: principal, needs: (.devices, .view), in: tx)
            return try await self.thing(try await Self.device(id, in: home, tx: tx), tx: tx)
        }
    }

    public func update(_ id: UUID, _ changes: Changes, accountId: Int?, by principal: Principal) async throws -> Thing {
        let name = try changes.name.map { try Validation.text($0, field: "name", maxLength: 128) }
        let properties = try changes.properties.map { try Self.checked($0, limits: limits) }
        let hardwareId = try changes.hardwareId.map { try Validation.text($0, field: "hardware_id", maxLength: 128) }
        let (thing, deactivated) = try await store.write { tx in
            let (home, _) = try await AccessPolicy.account(accountId, of: principal, needs: (.devices, .addEdit), in: tx)
            var device = try await Self.device(id, in: home, tx: tx)
            if let parentId = changes.parentId {
                let current = try await device.parentId.asyncMap { try await tx.devices.get(id: $0)?.uuid } ?? nil
                guard current == parentId else { throw NimbusError.invalidInput(field: "parent_id", reason: "a thing cannot move to another parent") }
            }
            if let typeId = changes.typeId {
                _ = try await ThingTypeUseCases.visibleType(typeId, in: home, tx: tx)
                device.deviceClass = typeId.lowercaseString
            }
            if let name { device.name = name }
            if let hardwareId { device.hardwareId = hardwareId }
            if let properties {
                device.properties = properties
                if device.parentId != nil { device.channel = Self.channel(in: properties) ?? device.channel }
            }
            let wasActive = device.status == .activated
            let deactivatedAt = device.deactivationTime
            let now = environment.clock.now()
            if let status = changes.status { self.setStatus(status, of: &device, at: now) }
            device.updateTime = now
            try await tx.devices.update(device)
            if !wasActive, device.status == .activated, device.parentId == nil, let deactivatedAt {
                // Brought back after a delete: so are the channel sensors the delete deactivated with it (not those
                // deactivated on their own before).
                for var child in try await tx.devices.children(of: [device.id]) where child.deactivationTime == deactivatedAt {
                    self.setStatus(.activated, of: &child, at: now)
                    try await tx.devices.update(child)
                }
            }
            return (try await self.thing(device, tx: tx), wasActive && device.status == .deactivated)
        }
        if deactivated { environment.revoke(.device(thing.device.id)) }
        return thing
    }

    /// Cayenne's delete: the thing and its children are deactivated, not removed (their readings stay), and its
    /// connections are closed.
    public func delete(_ id: UUID, accountId: Int?, by principal: Principal) async throws -> Thing {
        let thing = try await store.write { tx in
            let (home, _) = try await AccessPolicy.account(accountId, of: principal, needs: (.devices, .delete), in: tx)
            var device = try await Self.device(id, in: home, tx: tx)
            let now = environment.clock.now()
            self.setStatus(.deactivated, of: &device, at: now)
            try await tx.devices.update(device)
            for var child in try await tx.devices.children(of: [device.id]) where child.status == .activated {
                self.setStatus(.deactivated, of: &child, at: now)
                try await tx.devices.update(child)
            }
            return try await self.thing(device, tx: tx)
        }
        environment.revoke(.device(thing.device.id))
        return thing
    }

    // MARK: - Rules

    private func setStatus(_ status: Device.Status, of device: inout Device, at now: Date) {
        guard device.status != status else { return }
        device.status = status
        device.deactivationTime = status == .deactivated ? now : nil
        device.updateTime = now
    }

    /// A thing of the account (a child or a top-level one), by its UUID.
    static func device(_ id: UUID, in home: Home, tx: any StoreTransaction) async throws -> Device {
        guard let device = try await tx.devices.find(uuid: id), device.homeId == home.id, device.projectId == home.projectId else {
            throw NimbusError.notFound("thing")
        }
        return device
    }

    /// The parent of a new child: an activated top-level thing of the same account (two levels only).
    private func parent(_ id: UUID, in home: Home, tx: any StoreTransaction) async throws -> Device {
        guard let parent = try? await Self.device(id, in: home, tx: tx) else {
            throw NimbusError.invalidInput(field: "parent_id", reason: "no such thing in this account")
        }
        guard parent.parentId == nil else { throw NimbusError.invalidInput(field: "parent_id", reason: "a child thing cannot have children") }
        guard parent.status == .activated else { throw NimbusError.invalidInput(field: "parent_id", reason: "the parent is deactivated") }
        return parent
    }

    private func thing(_ device: Device, tx: any StoreTransaction) async throws -> Thing {
        let parentUUID = try await device.parentId.asyncMap { try await tx.devices.get(id: $0)?.uuid } ?? nil
        let children = device.parentId == nil ? try await tx.devices.children(of: [device.id]) : []
        return Thing(device: device, parentUUID: parentUUID, children: children)
    }

    /// The channel a child stands for, from `properties.channel` (a number or a string).
    static func channel(in properties: [String: JSONValue]) -> String? {
        switch properties["channel"] {
        case .number(let number)?: JSONValue.exactInteger(number).map(String.init) ?? String(number)
        case .string(let text)?: text.isEmpty ? nil : text
        default: nil
        }
    }

    /// Properties within the size limit (a thing's and a type's alike).
    static func checked(_ properties: [String: JSONValue], limits: ThingLimits) throws -> [String: JSONValue] {
        guard JSONValue.object(properties).jsonText.utf8.count <= limits.propertiesBytes else {
            throw NimbusError.invalidInput(field: "properties", reason: "at most \(limits.propertiesBytes) bytes of JSON")
        }
        return properties
    }

    /// Refuses `count` new things when the account (`homeId`) would hold more than `thingsPerAccount`, or, for
    /// children of a parent that has `channelsOfParent`, when it would have more than `channelsPerThing` (shared by
    /// the REST calls, pairing and the channel sensors the ingest makes).
    static func checkRoom(
        for count: Int, in homeId: Int, channelsOfParent: Int?, limits: ThingLimits, tx: any StoreTransaction
    ) async throws {
        if let channelsOfParent, channelsOfParent + count > limits.channelsPerThing {
            throw NimbusError.limitReached(what: "channels on one thing", limit: limits.channelsPerThing)
        }
        guard try await tx.devices.count(homeId: homeId) + count <= limits.thingsPerAccount else {
            throw NimbusError.limitReached(what: "things", limit: limits.thingsPerAccount)
        }
    }
}

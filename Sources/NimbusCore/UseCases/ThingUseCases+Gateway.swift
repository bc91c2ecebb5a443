import Foundation

/// Things a gateway reports over its own connection (a WiFi Motion sensor hub and the sensors paired with it): each
/// found by its hardware id in the gateway's account and made, activated, on its first report. The gateway acts as
/// the `device` principal of its own thing, and may touch only itself and its children.
extension ThingUseCases {
    /// The gateway's own thing in `homeId`, by its hardware id, made on its first connection (within the account's
    /// bound of things).
    public func gateway(hardwareId: String, homeId: Int, projectId: Int, properties: [String: JSONValue]) async throws -> Device {
        // Found with a read: it exists on every connection but the first (and every motion event of an agent).
        if let found = try await store.read({ tx in try await Self.gateway(hardwareId: hardwareId, in: homeId, tx: tx) }) { return found }
        let now = environment.clock.now()
        return try await store.write { tx in
            if let found = try await Self.gateway(hardwareId: hardwareId, in: homeId, tx: tx) { return found }
            try await Self.checkRoom(for: 1, in: homeId, channelsOfParent: nil, limits: limits, tx: tx)
            return try await tx.devices.insert(Self.newThing(
                projectId: projectId, homeId: homeId, typeId: ThingType.genericDeviceId, name: hardwareId, parentId: nil, channel: nil,
                hardwareId: hardwareId, status: .activated, properties: try Self.checked(properties, limits: limits), at: now))
        }
    }

    /// A child the gateway reports (`hardwareId`), made on the first report with `properties`, else given the
    /// `properties` that change (a `null` removes a key).
    public func reportedChild(
        hardwareId: String, properties: [String: JSONValue], by principal: Principal
    ) async throws -> Device {
        let now = environment.clock.now()
        return try await store.write { tx in
            let gateway = try await Self.gateway(of: principal, in: tx)
            guard let homeId = gateway.homeId else { throw NimbusError.notFound("thing") }
            if var child = try await tx.devices.find(homeId: homeId, hardwareId: hardwareId) {
                guard child.parentId == gateway.id else { throw NimbusError.permissionDenied }
                try await change(&child, properties, at: now, in: tx)
                return child
            }
            let siblings = try await tx.devices.children(of: [gateway.id]).count
            try await Self.checkRoom(for: 1, in: homeId, channelsOfParent: siblings, limits: limits, tx: tx)
            return try await tx.devices.insert(Self.newThing(
                projectId: gateway.projectId, homeId: homeId, typeId: ThingType.genericDeviceId, name: hardwareId, parentId: gateway.id,
                channel: nil, hardwareId: hardwareId, status: .activated,
                properties: try Self.checked(properties.filter { $0.value != .null }, limits: limits), at: now))
        }
    }

    /// Gives the gateway's own thing the `properties` that change.
    public func reportedSelf(properties: [String: JSONValue], by principal: Principal) async throws -> Device {
        let now = environment.clock.now()
        return try await store.write { tx in
            var gateway = try await Self.gateway(of: principal, in: tx)
            try await change(&gateway, properties, at: now, in: tx)
            return gateway
        }
    }

    /// Deletes a child the gateway no longer has, with its readings (not a Cayenne soft delete: the sensor is gone).
    public func removeReportedChild(hardwareId: String, by principal: Principal) async throws {
        try await store.write { tx in
            let gateway = try await Self.gateway(of: principal, in: tx)
            guard let homeId = gateway.homeId, let child = try await tx.devices.find(homeId: homeId, hardwareId: hardwareId) else { return }
            guard child.parentId == gateway.id else { throw NimbusError.permissionDenied }
            try await tx.devices.delete(id: child.id)
        }
    }

    /// Deletes a thing of a home the caller owns, with its children and all their readings; their connections close.
    public func purge(_ thingId: Int, by principal: Principal) async throws {
        let removed = try await store.write { tx -> [Int] in
            guard let thing = try await tx.devices.get(id: thingId), let homeId = thing.homeId else { throw NimbusError.notFound("thing") }
            _ = try await AccessPolicy.home(homeId, for: principal, .manage(.admin), in: tx)
            let children = try await tx.devices.children(of: [thing.id]).map(\.id)
            for id in children + [thing.id] { try await tx.devices.delete(id: id) }
            return children + [thing.id]
        }
        for id in removed { environment.revoke(.device(id)) }
    }

    /// The gateways of a home the caller belongs to (top-level things with a hardware id) and their children:
    /// each gateway followed by its children, oldest first.
    public func reported(in homeId: Int, by principal: Principal) async throws -> [Device] {
        try await store.read { tx in
            let home = try await AccessPolicy.home(homeId, for: principal, .read, in: tx)
            let gateways = try await tx.devices.list(projectId: home.projectId, homeId: homeId, page: PageRequest(skip: 0, limit: limits.thingsPerAccount))
                .items.filter { $0.hardwareId != nil }
            let children = Dictionary(grouping: try await tx.devices.children(of: gateways.map(\.id)), by: { $0.parentId ?? 0 })
            return gateways.flatMap { [$0] + (children[$0.id] ?? []).sorted { $0.id < $1.id } }
        }
    }

    /// Closes the connections of a thing of a home the caller owns (a gateway whose integration was turned off).
    public func disconnect(_ thingId: Int, by principal: Principal) async throws {
        try await store.read { tx in
            guard let thing = try await tx.devices.get(id: thingId), let homeId = thing.homeId else { throw NimbusError.notFound("thing") }
            _ = try await AccessPolicy.home(homeId, for: principal, .manage(.admin), in: tx)
        }
        environment.revoke(.device(thingId))
    }

    /// Changes what an owner may set on a thing of their home: its `properties` that change (a `null` removes a key).
    public func setProperties(_ properties: [String: JSONValue], of thingId: Int, by principal: Principal) async throws -> Device {
        let now = environment.clock.now()
        return try await store.write { tx in
            guard var thing = try await tx.devices.get(id: thingId), let homeId = thing.homeId else { throw NimbusError.notFound("thing") }
            _ = try await AccessPolicy.home(homeId, for: principal, .manage(.admin), in: tx)
            try await change(&thing, properties, at: now, in: tx)
            return thing
        }
    }

    /// Gives a thing the `changes` to its properties (a `null` removes a key), within the properties' bound, and saves it.
    private func change(_ thing: inout Device, _ changes: [String: JSONValue], at now: Date, in tx: any StoreTransaction) async throws {
        var merged = thing.properties
        for (key, value) in changes { merged[key] = value == .null ? nil : value }
        thing.properties = try Self.checked(merged, limits: limits)
        thing.updateTime = now
        try await tx.devices.update(thing)
    }

    /// The top-level thing `hardwareId` of a home; refused when the name is a reported child's.
    private static func gateway(hardwareId: String, in homeId: Int, tx: any StoreTransaction) async throws -> Device? {
        guard let found = try await tx.devices.find(homeId: homeId, hardwareId: hardwareId) else { return nil }
        guard found.parentId == nil else { throw NimbusError.invalidInput(field: "hardwareId", reason: "names a thing a gateway reported") }
        return found
    }

    /// The thing of a gateway principal (a device acting for itself).
    private static func gateway(of principal: Principal, in tx: any StoreTransaction) async throws -> Device {
        guard case .device(let deviceId, _) = principal else { throw NimbusError.wrongCredentialKind }
        guard let gateway = try await tx.devices.get(id: deviceId), gateway.status == .activated else { throw NimbusError.notFound("thing") }
        return gateway
    }
}

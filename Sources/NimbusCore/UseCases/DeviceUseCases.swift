import Foundation

/// Devices: provisioning, claiming, their records, commands and registration windows.
public struct DeviceUseCases: Sendable {
    /// How long an on-demand provisioning token is valid.
    public static let provisioningTokenLifetime: TimeInterval = 3600
    /// The longest claim window a device may open.
    public static let maximumClaimWindow = 86_400

    let environment: CoreEnvironment
    let connections: DeviceConnectionTracker
    var store: any Store { environment.store }

    /// Devices of a home (members, keys) or of the whole project (keys only).
    public func list(homeId: Int?, page: PageRequest, by principal: Principal) async throws -> Page<Device> {
        try await store.read { tx in
            if let homeId {
                let home = try await AccessPolicy.home(homeId, for: principal, .read, needs: (.devices, .view), in: tx)
                return try await tx.devices.list(projectId: home.projectId, homeId: homeId, page: page)
            }
            switch principal {
            case .projectKey(_, let projectId, _, _): return try await tx.devices.list(projectId: projectId, homeId: nil, page: page)
            case .anonymous: throw NimbusError.authenticationRequired
            case .user: throw NimbusError.invalidInput(field: "homeId", reason: "required")
            default: throw NimbusError.wrongCredentialKind
            }
        }
    }

    public func get(_ id: Int, by principal: Principal) async throws -> Device {
        try await store.read { tx in try await AccessPolicy.device(id, for: principal, .read, in: tx) }
    }

    /// Renames or re-tags a device; moving it to another home needs an admin key.
    public func update(_ id: Int, name: String?, tag: String?, homeId: Int??, by principal: Principal) async throws {
        let name = try name.map { try Validation.text($0, field: "name", allowEmpty: true) }
        let tag = try tag.map { try Validation.text($0, field: "tag", allowEmpty: true) }
        if homeId != nil, case .user = principal { throw NimbusError.permissionDenied }
        try await store.write { tx in
            var device = try await AccessPolicy.device(id, for: principal, .control(.admin), in: tx)
            if let name { device.name = name }
            if let tag { device.tag = tag }
            if let homeId {
                if let target = homeId {
                    guard let home = try await tx.homes.get(id: target), home.projectId == device.projectId else { throw NimbusError.notFound("home") }
                }
                device.homeId = homeId
            }
            try await tx.devices.update(device)
        }
    }

    /// Deletes a device: its key stops working and its connections close.
    public func delete(_ id: Int, by principal: Principal) async throws {
        try await store.write { tx in
            _ = try await AccessPolicy.device(id, for: principal, .remove(.admin), in: tx)
            try await tx.devices.delete(id: id)
        }
        environment.revoke(.device(id))
    }

    /// Opens (or closes) the device's claim window; returns the time the window ends.
    public func setClaimable(deviceId: Int, claimable: Bool, duration: Int?, by principal: Principal) async throws -> Date {
        let now = environment.clock.now()
        let until: Date
        if claimable {
            guard let duration else { throw NimbusError.invalidInput(field: "duration", reason: "required when claimable") }
            guard (1...Self.maximumClaimWindow).contains(duration) else {
                throw NimbusError.invalidInput(field: "duration", reason: "1 to \(Self.maximumClaimWindow) seconds")
            }
            until = now + TimeInterval(duration)
        } else {
            until = now
        }
        return try await store.write { tx in
            var device = try await AccessPolicy.device(deviceId, for: principal, .selfOnly, in: tx)
            device.claimExpirationTime = until
            try await tx.devices.update(device)
            return until
        }
    }

    /// A member claims a pre-provisioned device whose claim window is open.
    public func claim(homeId: Int, claimCode: String, by principal: Principal) async throws -> Device {
        let now = environment.clock.now()
        let codeHash = Secrets.hash(Secrets.normalizedClaimCode(claimCode))
        return try await store.write { tx in
            let home = try await AccessPolicy.home(homeId, for: principal, .memberOnly, needs: (.devices, .addEdit), in: tx)
            guard var device = try await tx.devices.find(projectId: home.projectId, claimCodeHash: codeHash) else {
                throw NimbusError.rejected(.deviceNotClaimable)
            }
            guard device.homeId == nil else { throw NimbusError.rejected(.deviceAlreadyInHome) }
            guard let window = device.claimExpirationTime, window > now else { throw NimbusError.rejected(.deviceNotClaimable) }
            device.homeId = homeId
            device.claimTime = now
            device.claimExpirationTime = nil
            try await tx.devices.update(device)
            return device
        }
    }

    /// A member asks for a token with which a new device provisions itself into the home.
    public func startProvisioning(homeId: Int, deviceClass: String, deviceTag: String?, by principal: Principal) async throws -> (token: String, expirationTime: Date) {
        let tag = try Validation.text(deviceTag ?? "", field: "deviceTag", allowEmpty: true)
        let token = Secrets.token(prefix: Authenticator.TokenPrefix.provisioning)
        let now = environment.clock.now()
        let expiry = now + Self.provisioningTokenLifetime
        try await store.write { tx in
            let home = try await AccessPolicy.home(homeId, for: principal, .memberOnly, needs: (.devices, .addEdit), in: tx)
            guard try await tx.projects.get(id: home.projectId)?.provisioning == .onDemand else { throw NimbusError.rejected(.provisioningDisabled) }
            guard try await tx.projects.deviceClass(projectId: home.projectId, id: deviceClass) != nil else {
                throw NimbusError.rejected(.unknownDeviceClass)
            }
            try await tx.devices.insertProvisioningToken(ProvisioningToken(
                id: 0, projectId: home.projectId, homeId: homeId, deviceClass: deviceClass, deviceTag: tag,
                tokenHash: Secrets.hash(token), expirationTime: expiry, used: false))
        }
        return (token, expiry)
    }

    /// A device exchanges its provisioning token for its identity and API key. Needs no credential:
    /// the token is one.
    public func provision(token: String) async throws -> IssuedDevice {
        let now = environment.clock.now()
        let apiKey = Secrets.token(prefix: Authenticator.TokenPrefix.device)
        let device = try await store.write { tx in
            guard let stored = try await tx.devices.provisioningToken(hash: Secrets.hash(token)), !stored.used, stored.expirationTime > now,
                try await tx.homes.get(id: stored.homeId) != nil
            else { throw NimbusError.rejected(.invalidToken) }
            try await tx.devices.markProvisioningTokenUsed(id: stored.id)
            return try await tx.devices.insert(Device(
                id: 0, uuid: UUID(), projectId: stored.projectId, deviceClass: stored.deviceClass, name: "", tag: stored.deviceTag,
                homeId: stored.homeId, apiKeyHash: Secrets.hash(apiKey), claimCodeHash: nil, claimTime: now,
                claimExpirationTime: nil, isConnected: false, lastConnectTime: nil, lastDisconnectTime: nil, creationTime: now))
        }
        return IssuedDevice(device: device, apiKey: apiKey, claimCode: nil)
    }

    /// Sends a command to every live connection of the device.
    public func sendCommand(_ command: DeviceCommand, to deviceId: Int, by principal: Principal) async throws {
        try Validation.type(command.action, field: "action")
        let device = try await store.read { tx in try await AccessPolicy.device(deviceId, for: principal, .control(.events), in: tx) }
        // Delivered here, or connected to another node sharing the bus (which the store's state says).
        let delivered = environment.bus.publish(.command(command), to: .device(deviceId))
        guard delivered > 0 || device.isConnected else { throw NimbusError.deviceOffline }
    }

    /// Checks that the principal is the device itself (for opening its command channel).
    public func authorizeCommandChannel(_ deviceId: Int, by principal: Principal) async throws -> Device {
        try await store.read { tx in try await AccessPolicy.device(deviceId, for: principal, .selfOnly, in: tx) }
    }
}

import Foundation

/// A kind of device a project makes (MODE `deviceClass`, Cayenne thing type).
public struct DeviceClass: Sendable, Hashable, Codable {
    public var id: String
    public var projectId: Int
    public var name: String
    public var creationTime: Date

    public init(id: String, projectId: Int, name: String, creationTime: Date) {
        self.id = id
        self.projectId = projectId
        self.name = name
        self.creationTime = creationTime
    }
}

/// A connected device. It has an integer id (MODE) and a UUID (Cayenne) that name the same device.
///
/// Cayenne's things are devices too: a gateway or device at the top, and below it one child per sensor channel
/// (`parentId` and `channel`), each with the thing fields Cayenne shows (`hardwareId`, `status`, `properties`).
public struct Device: Sendable, Hashable {
    /// Cayenne's thing status: a deleted thing is deactivated, not removed, and refuses every connection.
    public enum Status: String, Sendable, Hashable, CaseIterable {
        case activated = "ACTIVATED"
        case deactivated = "DEACTIVATED"
    }

    public var id: Int
    public var uuid: UUID
    public var projectId: Int
    public var deviceClass: String
    public var name: String
    public var tag: String
    public var homeId: Int?
    public var apiKeyHash: String
    public var claimCodeHash: String?
    public var claimTime: Date?
    public var claimExpirationTime: Date?
    public var isConnected: Bool
    public var lastConnectTime: Date?
    public var lastDisconnectTime: Date?
    public var creationTime: Date
    /// The thing this one is a sensor of (Cayenne's child things); `nil` at the top.
    public var parentId: Int?
    /// The channel a child thing stands for (`properties.channel` on the wire).
    public var channel: String?
    /// A serial number, MAC or LoRaWAN DevEUI, by which the thing is paired and its uplinks are matched.
    public var hardwareId: String?
    public var status: Status
    /// Free-form thing properties (codec, network, location, ...), kept as the client sent them.
    public var properties: [String: JSONValue]
    /// When the thing last reported anything.
    public var lastOnline: Date?
    public var updateTime: Date?
    public var deactivationTime: Date?

    public init(
        id: Int, uuid: UUID, projectId: Int, deviceClass: String, name: String, tag: String, homeId: Int?,
        apiKeyHash: String, claimCodeHash: String?, claimTime: Date?, claimExpirationTime: Date?,
        isConnected: Bool, lastConnectTime: Date?, lastDisconnectTime: Date?, creationTime: Date,
        parentId: Int? = nil, channel: String? = nil, hardwareId: String? = nil, status: Status = .activated,
        properties: [String: JSONValue] = [:], lastOnline: Date? = nil, updateTime: Date? = nil, deactivationTime: Date? = nil
    ) {
        self.id = id
        self.uuid = uuid
        self.projectId = projectId
        self.deviceClass = deviceClass
        self.name = name
        self.tag = tag
        self.homeId = homeId
        self.apiKeyHash = apiKeyHash
        self.claimCodeHash = claimCodeHash
        self.claimTime = claimTime
        self.claimExpirationTime = claimExpirationTime
        self.isConnected = isConnected
        self.lastConnectTime = lastConnectTime
        self.lastDisconnectTime = lastDisconnectTime
        self.creationTime = creationTime
        self.parentId = parentId
        self.channel = channel
        self.hardwareId = hardwareId
        self.status = status
        self.properties = properties
        self.lastOnline = lastOnline
        self.updateTime = updateTime
        self.deactivationTime = deactivationTime
    }
}

/// A device together with the secrets it was just given; returned once, at creation.
public struct IssuedDevice: Sendable {
    public var device: Device
    public var apiKey: String
    public var claimCode: String?

    public init(device: Device, apiKey: String, claimCode: String?) {
        self.device = device
        self.apiKey = apiKey
        self.claimCode = claimCode
    }
}

/// A single-use token with which a device provisions itself into a home.
public struct ProvisioningToken: Sendable, Hashable {
    public var id: Int
    public var projectId: Int
    public var homeId: Int
    public var deviceClass: String
    public var deviceTag: String
    public var tokenHash: String
    public var expirationTime: Date
    public var used: Bool

    public init(id: Int, projectId: Int, homeId: Int, deviceClass: String, deviceTag: String, tokenHash: String, expirationTime: Date, used: Bool) {
        self.id = id
        self.projectId = projectId
        self.homeId = homeId
        self.deviceClass = deviceClass
        self.deviceTag = deviceTag
        self.tokenHash = tokenHash
        self.expirationTime = expirationTime
        self.used = used
    }
}

/// What an event needs of the device that sent it: its project, its home (the event's audience) and its class.
public struct EventOrigin: Sendable, Hashable {
    public var deviceId: Int
    public var projectId: Int
    public var homeId: Int?
    public var deviceClass: String

    public init(deviceId: Int, projectId: Int, homeId: Int?, deviceClass: String) {
        self.deviceId = deviceId
        self.projectId = projectId
        self.homeId = homeId
        self.deviceClass = deviceClass
    }
}

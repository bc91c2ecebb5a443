import Foundation

/// Something that happened in a home: sent by a device, or injected by a backend with a project key.
public struct Event: Sendable, Hashable, Codable {
    /// Who raised the event.
    public enum Origin: Sendable, Hashable, Codable {
        case device(id: Int, deviceClass: String)
        case projectKey(id: Int, name: String)
    }

    public var id: Int
    public var projectId: Int
    public var homeId: Int?
    public var eventType: String
    public var eventData: [String: JSONValue]
    public var origin: Origin
    public var timestamp: Date

    public init(id: Int, projectId: Int, homeId: Int?, eventType: String, eventData: [String: JSONValue], origin: Origin, timestamp: Date) {
        self.id = id
        self.projectId = projectId
        self.homeId = homeId
        self.eventType = eventType
        self.eventData = eventData
        self.origin = origin
        self.timestamp = timestamp
    }
}

/// An event that has been validated but not yet stored.
public struct NewEvent: Sendable, Hashable {
    public var projectId: Int
    public var homeId: Int?
    public var eventType: String
    public var eventData: [String: JSONValue]
    public var origin: Event.Origin
    public var timestamp: Date

    public init(projectId: Int, homeId: Int?, eventType: String, eventData: [String: JSONValue], origin: Event.Origin, timestamp: Date) {
        self.projectId = projectId
        self.homeId = homeId
        self.eventType = eventType
        self.eventData = eventData
        self.origin = origin
        self.timestamp = timestamp
    }
}

/// An instruction for a device.
public struct DeviceCommand: Sendable, Hashable, Codable {
    public var action: String
    public var parameters: [String: JSONValue]

    public init(action: String, parameters: [String: JSONValue]) {
        self.action = action
        self.parameters = parameters
    }
}

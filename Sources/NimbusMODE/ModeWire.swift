import Foundation
import HTTPTypes
import Hummingbird
import NimbusCore

/// MODE's JSON objects, built from the core's types. Field names and optionality follow MODE's API
/// documents; timestamps are RFC 3339 with milliseconds.
enum ModeWire {
    static func time(_ date: Date) -> String {
        Timestamp.rfc3339(date)
    }

    struct User: Encodable, Sendable {
        let id: Int
        let projectId: Int
        let name: String
        let email: String?
        let phoneNumber: String?
        let externalKey: String?
        let verified: Bool
        let creationTime: String
        let passwordUpdateTime: String?

        init(_ user: NimbusCore.User) {
            id = user.id
            projectId = user.projectId
            name = user.name
            email = user.email
            phoneNumber = user.phoneNumber
            externalKey = user.externalKey
            verified = user.verified
            creationTime = ModeWire.time(user.creationTime)
            passwordUpdateTime = user.passwordUpdateTime.map(ModeWire.time)
        }
    }

    struct Home: Encodable, Sendable {
        let id: Int
        let projectId: Int
        let name: String
        let deactivated: Bool
        let creationTime: String

        init(_ home: NimbusCore.Home) {
            id = home.id
            projectId = home.projectId
            name = home.name
            deactivated = home.deactivated
            creationTime = ModeWire.time(home.creationTime)
        }
    }

    struct Member: Encodable, Sendable {
        let userId: Int
        let name: String
        let email: String?
        let phoneNumber: String?
        let verified: Bool
        let role: String
        let creationTime: String

        init(_ member: HomeMember) {
            userId = member.user.id
            name = member.user.name
            email = member.user.email
            phoneNumber = member.user.phoneNumber
            verified = member.user.verified
            role = member.role.rawValue
            creationTime = ModeWire.time(member.creationTime)
        }
    }

    struct Device: Encodable, Sendable {
        let id: Int
        let projectId: Int
        let name: String
        let tag: String
        let deviceClass: String
        let homeId: Int?
        let claimTime: String?
        let claimExpirationTime: String?
        let isConnected: Bool
        let lastConnectTime: String?
        let lastDisconnectTime: String?
        let creationTime: String
        /// Present only in the answer to on-demand provisioning, the one time the key is shown.
        let apiKey: String?

        init(_ device: NimbusCore.Device, apiKey: String? = nil) {
            id = device.id
            projectId = device.projectId
            name = device.name
            tag = device.tag
            deviceClass = device.deviceClass
            homeId = device.homeId
            claimTime = device.claimTime.map(ModeWire.time)
            claimExpirationTime = device.claimExpirationTime.map(ModeWire.time)
            isConnected = device.isConnected
            lastConnectTime = device.lastConnectTime.map(ModeWire.time)
            lastDisconnectTime = device.lastDisconnectTime.map(ModeWire.time)
            creationTime = ModeWire.time(device.creationTime)
            self.apiKey = apiKey
        }
    }

    struct Event: Encodable, Sendable {
        let eventType: String
        let eventData: [String: JSONValue]
        let timestamp: String
        let homeId: Int?
        let originDeviceId: Int?
        let originDeviceClass: String?
        let originProjectKeyId: String?
        let originProjectKeyName: String?

        init(_ event: NimbusCore.Event) {
            eventType = event.eventType
            eventData = event.eventData
            timestamp = ModeWire.time(event.timestamp)
            homeId = event.homeId
            switch event.origin {
            case .device(let id, let deviceClass):
                (originDeviceId, originDeviceClass, originProjectKeyId, originProjectKeyName) = (id, deviceClass, nil, nil)
            case .projectKey(let id, let name):
                (originDeviceId, originDeviceClass, originProjectKeyId, originProjectKeyName) = (nil, nil, String(id), name)
            }
        }
    }

    /// A command as devices receive it, on the command WebSocket and on `/devices/{id}/command`.
    struct Command: Encodable, Sendable {
        let action: String
        let parameters: [String: JSONValue]

        init(_ command: DeviceCommand) {
            action = command.action
            parameters = command.parameters
        }
    }

    struct KeyValue: Encodable, Sendable {
        let key: String
        let value: JSONValue
        let modificationTime: String

        init(_ pair: KeyValuePair) {
            key = pair.key
            value = pair.value
            modificationTime = ModeWire.time(pair.modificationTime)
        }
    }

    struct SmartModule: Encodable, Sendable {
        let id: String
        let moduleType: String
        let description: String
        let suspended: Bool
        let subscribedEvents: [String]
        let creationTime: String

        init(_ module: NimbusCore.SmartModule) {
            id = module.id
            moduleType = module.moduleType
            description = module.description
            suspended = module.suspended
            subscribedEvents = module.subscribedEvents
            creationTime = ModeWire.time(module.creationTime)
        }
    }

    /// `GET /auth`.
    struct AuthInfo: Encodable, Sendable {
        let type: String
        var userId: Int?
        var appId: String?
        var deviceId: Int?
        var projectKeyName: String?
        var projectId: Int?
    }

    /// The answer to `POST /auth/user`.
    struct ClientAuthentication: Encodable, Sendable {
        let token: String
        let userId: Int
        let projectId: Int
        let appId: String?
    }

    struct SessionInfo: Encodable, Sendable {
        let userId: Int
        let appId: String?
        let projectId: Int
        let creationTime: String
    }

    static func json(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}

/// Builds MODE's responses.
enum ModeResponse {
    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) throws -> Response {
        var headers = headers
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: try ModeWire.json(value))))
    }

    static func noContent() -> Response {
        Response(status: .noContent)
    }

    /// A list page with MODE's `vnd.tinkermode.range: first-last/total` header.
    static func list<T: Encodable>(_ page: Page<T>) throws -> Response {
        var headers = HTTPFields()
        let range = page.items.isEmpty ? "*/\(page.total)" : "\(page.skip)-\(page.skip + page.items.count - 1)/\(page.total)"
        headers[HTTPField.Name("vnd.tinkermode.range")!] = range
        return try json(page.items, headers: headers)
    }
}

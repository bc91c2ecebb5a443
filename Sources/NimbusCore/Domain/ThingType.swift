import Foundation

/// A kind of thing (Cayenne's "device type"): what it is, how it connects, whether it may have a parent or
/// children, and the channels its sensors report on. A thing's `deviceClass` is its type's id.
///
/// A type belongs to the account that made it (`homeId`), or to the whole project when a project key or the
/// operator made it (`homeId == nil`): every account of the project sees those.
public struct ThingType: Sendable, Hashable {
    /// `ALLOWED` or `NOT_ALLOWED`, for `parent_constraint` and `child_constraint`.
    public enum Constraint: String, Sendable, Hashable, CaseIterable {
        case allowed = "ALLOWED"
        case notAllowed = "NOT_ALLOWED"
    }

    public var id: UUID
    public var projectId: Int
    public var homeId: Int?
    public var name: String
    public var description: String
    /// `module`, `sensor`, `actuator`, ... as the client names it.
    public var category: String
    public var subcategory: String?
    /// `mqtt`, `lorawan`, `http`, ...
    public var transportProtocol: String
    public var protocolVersion: String?
    public var model: String?
    public var version: String?
    public var manufacturer: String?
    /// How uplinks are decoded (`lpp` for Cayenne LPP).
    public var codec: String?
    public var dataType: String?
    public var parentConstraint: Constraint
    public var childConstraint: Constraint
    public var properties: [String: JSONValue]
    public var creationTime: Date
    public var updateTime: Date

    public init(
        id: UUID, projectId: Int, homeId: Int?, name: String, description: String, category: String, subcategory: String?,
        transportProtocol: String, protocolVersion: String?, model: String?, version: String?, manufacturer: String?,
        codec: String?, dataType: String?, parentConstraint: Constraint, childConstraint: Constraint,
        properties: [String: JSONValue], creationTime: Date, updateTime: Date
    ) {
        self.id = id
        self.projectId = projectId
        self.homeId = homeId
        self.name = name
        self.description = description
        self.category = category
        self.subcategory = subcategory
        self.transportProtocol = transportProtocol
        self.protocolVersion = protocolVersion
        self.model = model
        self.version = version
        self.manufacturer = manufacturer
        self.codec = codec
        self.dataType = dataType
        self.parentConstraint = parentConstraint
        self.childConstraint = childConstraint
        self.properties = properties
        self.creationTime = creationTime
        self.updateTime = updateTime
    }
}

/// One channel of a thing type: `{name, channel, datatype}` (and the IPSO object id, when given).
public struct ThingTypeChannel: Sendable, Hashable {
    public var id: Int
    public var typeId: UUID
    public var channel: String
    public var name: String
    public var dataType: String?
    public var ipso: String?

    public init(id: Int, typeId: UUID, channel: String, name: String, dataType: String?, ipso: String?) {
        self.id = id
        self.typeId = typeId
        self.channel = channel
        self.name = name
        self.dataType = dataType
        self.ipso = ipso
    }
}

extension ThingType {
    /// The generic sensor type every project has: what the sample app gives each child sensor it makes.
    public static let genericSensorId = UUID(uuidString: "8F93F0F0-DB59-44C1-AAA4-BD48707DE97B")!
    /// The generic MQTT device type every project has: a thing made without a type, and the default of the
    /// children made for channels on their first reading.
    public static let genericDeviceId = UUID(uuidString: "5D4C1F2B-7E3A-4C1E-9B2F-0A6E3D9C8B71")!

    /// The built-in types, which every account sees and nobody changes.
    public static func builtIn(projectId: Int) -> [ThingType] {
        let epoch = Date(timeIntervalSince1970: 1_483_228_800)  // 2017-01-01, the seed's era
        return [
            ThingType(
                id: genericDeviceId, projectId: projectId, homeId: nil, name: "Generic MQTT device",
                description: "A device that reports over Cayenne MQTT or HTTP push", category: "module", subcategory: nil,
                transportProtocol: "mqtt", protocolVersion: "3.1.1", model: nil, version: nil, manufacturer: nil, codec: nil,
                dataType: nil, parentConstraint: .notAllowed, childConstraint: .allowed, properties: [:],
                creationTime: epoch, updateTime: epoch),
            ThingType(
                id: genericSensorId, projectId: projectId, homeId: nil, name: "Generic sensor",
                description: "One channel of a device", category: "sensor", subcategory: nil, transportProtocol: "mqtt",
                protocolVersion: nil, model: nil, version: nil, manufacturer: nil, codec: nil, dataType: nil,
                parentConstraint: .allowed, childConstraint: .notAllowed, properties: [:], creationTime: epoch, updateTime: epoch),
        ]
    }
}

extension UUID {
    /// The UUID as Cayenne writes ids (lower case); also how thing type ids are stored, in device classes too.
    public var lowercaseString: String { uuidString.lowercased() }
}

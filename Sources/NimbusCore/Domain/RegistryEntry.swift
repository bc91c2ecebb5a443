import Foundation

/// A provisioned thing (Cayenne's registry): a hardware id (DevEUI, IMEI, serial number) and its type, made by the
/// project's developer before the device ships, `PENDING` until a user pairs it into their account, which makes
/// the thing.
public struct RegistryEntry: Sendable, Hashable {
    public enum Status: String, Sendable, Hashable {
        case pending = "PENDING"
        case paired = "PAIRED"
    }

    public var id: UUID
    public var projectId: Int
    /// The account (home) that provisioned the entry; `nil` for entries from before owners were kept.
    public var homeId: Int?
    public var hardwareId: String
    public var typeId: UUID
    public var codec: String?
    public var applicationId: String?
    public var status: Status
    /// The thing made by pairing.
    public var thingId: Int?
    public var creationTime: Date
    public var pairTime: Date?

    public init(
        id: UUID, projectId: Int, homeId: Int?, hardwareId: String, typeId: UUID, codec: String?, applicationId: String?, status: Status,
        thingId: Int?, creationTime: Date, pairTime: Date?
    ) {
        self.id = id
        self.projectId = projectId
        self.homeId = homeId
        self.hardwareId = hardwareId
        self.typeId = typeId
        self.codec = codec
        self.applicationId = applicationId
        self.status = status
        self.thingId = thingId
        self.creationTime = creationTime
        self.pairTime = pairTime
    }
}

import Foundation

/// A space that groups devices and is shared by its members.
public struct Home: Sendable, Hashable {
    public var id: Int
    public var projectId: Int
    public var name: String
    public var deactivated: Bool
    public var creationTime: Date

    public init(id: Int, projectId: Int, name: String, deactivated: Bool, creationTime: Date) {
        self.id = id
        self.projectId = projectId
        self.name = name
        self.deactivated = deactivated
        self.creationTime = creationTime
    }
}

/// A user's membership of a home.
public struct HomeMember: Sendable, Hashable {
    public enum Role: String, Sendable, Codable, CaseIterable {
        case owner
        case member
    }

    public var homeId: Int
    public var user: User
    public var role: Role
    public var creationTime: Date
    /// The member's account role (`AccountRole`); `nil` means the default of `role`: owner or user.
    public var accountRoleId: Int?
    /// Per-feature grants that replace the role's.
    public var overrides: Permissions

    public init(homeId: Int, user: User, role: Role, creationTime: Date, accountRoleId: Int? = nil, overrides: Permissions = Permissions()) {
        self.homeId = homeId
        self.user = user
        self.role = role
        self.creationTime = creationTime
        self.accountRoleId = accountRoleId
        self.overrides = overrides
    }

    /// The id of the role in effect.
    public var effectiveRoleId: Int {
        role == .owner ? AccountRole.owner.id : (accountRoleId ?? AccountRole.user.id)
    }
}

/// One change to a key-value store, as devices are told of it.
public enum KeyValueChange: Sendable, Hashable, Codable {
    case set(KeyValuePair)
    case deleted(key: String, revision: Int)
}

/// Where a key-value pair lives.
public enum KeyValueScope: Sendable, Hashable {
    case home(Int)
    case device(Int)
    /// A home's settings that a dialect keeps (a WiFi Motion network's address, its scene config): apart from the
    /// home's own pairs, so that no client of the key-value API sees or changes them (`HomeUseCases+Settings`).
    case homeSettings(Int)
}

/// One stored key-value pair. `revision` is a store-wide counter that grows with every change, so a
/// device that mirrors the pairs can ignore updates older than what it has.
public struct KeyValuePair: Sendable, Hashable, Codable {
    public var key: String
    public var value: JSONValue
    public var modificationTime: Date
    public var revision: Int

    public init(key: String, value: JSONValue, modificationTime: Date, revision: Int) {
        self.key = key
        self.value = value
        self.modificationTime = modificationTime
        self.revision = revision
    }
}

/// What a member of an account (a home) may do, per feature: the Cayenne "multi-tenant" model. A
/// member has a role, whose permissions are the defaults, and per-feature overrides that replace the
/// role's grant for that feature.
public enum Feature: String, Sendable, Hashable, CaseIterable, Codable, Comparable {
    case devices, rules, jobs, alerts, history, users

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// View, add/edit and delete, as the seed's walkthrough names them.
public struct Access: OptionSet, Sendable, Hashable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    public static let view = Access(rawValue: 1)
    public static let addEdit = Access(rawValue: 2)
    public static let delete = Access(rawValue: 4)
    public static let all: Access = [.view, .addEdit, .delete]

    /// The wire names, in this order.
    public static let names: [(Access, String)] = [(.view, "view"), (.addEdit, "add_edit"), (.delete, "delete")]

    public var names: [String] { Self.names.filter { contains($0.0) }.map(\.1) }

    /// Reads `["view", "add_edit"]`; `nil` for an unknown name.
    public init?(names: [String]) {
        var access: Access = []
        for name in names {
            guard let match = Self.names.first(where: { $0.1 == name }) else { return nil }
            access.insert(match.0)
        }
        self = access
    }
}

/// Grants per feature; a feature not listed grants nothing.
public struct Permissions: Sendable, Hashable {
    public var grants: [Feature: Access]

    public init(_ grants: [Feature: Access] = [:]) {
        self.grants = grants
    }

    public func allows(_ feature: Feature, _ access: Access) -> Bool {
        grants[feature, default: []].isSuperset(of: access)
    }

    /// Whether every grant here is also granted by `other`: what a member holds bounds what they may hand out.
    public func isWithin(_ other: Permissions) -> Bool {
        grants.allSatisfy { other.allows($0.key, $0.value) }
    }

    /// These permissions with each overridden feature's grant replaced.
    public func overridden(by overrides: Permissions) -> Permissions {
        Permissions(grants.merging(overrides.grants) { _, override in override })
    }

    /// Every feature, each with the grant this set gives.
    public var complete: Permissions {
        Permissions(Dictionary(uniqueKeysWithValues: Feature.allCases.map { ($0, grants[$0, default: []]) }))
    }
}

extension Permissions {
    /// `{"devices": ["view", "add_edit"], …}`, as the API and the store write it.
    public var jsonValue: JSONValue {
        .object(Dictionary(uniqueKeysWithValues: grants.map { ($0.key.rawValue, .array($0.value.names.map(JSONValue.string))) }))
    }

    /// Reads the JSON form; unknown features and access names are refused, naming `field`.
    public init(jsonValue: JSONValue, field: String = "permissions") throws {
        guard case .object(let object) = jsonValue else { throw NimbusError.invalidInput(field: field, reason: "must be an object of feature: [access]") }
        var grants: [Feature: Access] = [:]
        for (name, value) in object {
            guard let feature = Feature(rawValue: name) else {
                throw NimbusError.invalidInput(field: field, reason: "unknown feature \(name); features are " + Feature.allCases.map(\.rawValue).joined(separator: ", "))
            }
            let names: [String]? = if case .array(let items) = value { items.compactMap { if case .string(let text) = $0 { text } else { nil } } } else { nil }
            guard case .array(let items) = value, let names, names.count == items.count, let access = Access(names: names) else {
                throw NimbusError.invalidInput(field: field, reason: "\(name) must be a list of view, add_edit, delete")
            }
            grants[feature] = access
        }
        self.init(grants)
    }
}

/// A role: the three built in (ids 1–3, the same in every account) or an account's own.
public struct AccountRole: Sendable, Hashable {
    public var id: Int
    /// The account (home) a custom role belongs to; `nil` for the built-in roles.
    public var homeId: Int?
    public var name: String
    public var permissions: Permissions

    public init(id: Int, homeId: Int?, name: String, permissions: Permissions) {
        self.id = id
        self.homeId = homeId
        self.name = name
        self.permissions = permissions
    }

    /// Everything, and overrides do not apply: an owner cannot be locked out of their own account.
    public static let owner = AccountRole(id: 1, homeId: nil, name: "owner", permissions: Permissions(Dictionary(uniqueKeysWithValues: Feature.allCases.map { ($0, Access.all) })))
    /// Everything but deleting users.
    public static let admin = AccountRole(
        id: 2, homeId: nil, name: "admin",
        permissions: Permissions(Dictionary(uniqueKeysWithValues: Feature.allCases.map { ($0, $0 == .users ? [.view, .addEdit] : Access.all) })))
    /// What a MODE home member may do: use the account's devices, rules, jobs and alerts fully, see
    /// its history, and not manage users.
    public static let user = AccountRole(
        id: 3, homeId: nil, name: "user",
        permissions: Permissions([.devices: .all, .rules: .all, .jobs: .all, .alerts: .all, .history: .view]))

    public static let builtIn = [owner, admin, user]

    public static func builtIn(id: Int) -> AccountRole? { builtIn.first { $0.id == id } }
}

import Foundation

/// A tenant: everything a product team runs on Nimbus belongs to exactly one project.
public struct Project: Sendable, Hashable, Codable {
    /// How the project's end users identify themselves.
    public enum AccountMode: String, Sendable, Codable, CaseIterable {
        /// Email address and password; sign-up sends a verification email.
        case email
        /// Phone number; every sign-in is confirmed with a code sent by SMS.
        case phone
        /// "Bring your own users": the product's backend creates users and sessions with a project key.
        case byou
    }

    /// How devices join homes.
    public enum Provisioning: String, Sendable, Codable, CaseIterable {
        /// Devices are made in advance (with a claim code) and claimed by a user.
        case claim
        /// A home member asks for a provisioning token that the device exchanges for its identity.
        case onDemand = "on-demand"
    }

    public var id: Int
    public var name: String
    public var accountMode: AccountMode
    public var provisioning: Provisioning
    public var creationTime: Date

    public init(id: Int, name: String, accountMode: AccountMode, provisioning: Provisioning, creationTime: Date) {
        self.id = id
        self.name = name
        self.accountMode = accountMode
        self.provisioning = provisioning
        self.creationTime = creationTime
    }
}

/// A client application of a project (MODE `appId`; later the Cayenne OAuth client).
public struct App: Sendable, Hashable, Codable {
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

/// A project API key: the credential of a product's backend.
public struct ProjectKey: Sendable, Hashable {
    public enum Permission: String, Sendable, Codable, CaseIterable, Comparable {
        /// Create users and their sessions in a BYOU project.
        case byou
        /// Send events to homes and commands to devices.
        case events
        /// Write home and device key-value pairs (keys read them without it).
        case kv
        /// Manage users, homes and devices of the project.
        case admin
        /// Connect to the MQTT broker (user name `apikey`) and publish and subscribe anywhere in the project's
        /// topic tree, such as a backend listening to all of its devices.
        case mqtt

        public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    public var id: Int
    public var projectId: Int
    public var name: String
    public var permissions: Set<Permission>
    public var keyHash: String
    public var creationTime: Date

    public init(id: Int, projectId: Int, name: String, permissions: Set<Permission>, keyHash: String, creationTime: Date) {
        self.id = id
        self.projectId = projectId
        self.name = name
        self.permissions = permissions
        self.keyHash = keyHash
        self.creationTime = creationTime
    }
}

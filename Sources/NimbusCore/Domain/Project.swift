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

/// A client application of a project: MODE's `appId`, and the Cayenne OAuth client (`client_id`).
public struct App: Sendable, Hashable, Codable {
    /// Whether an app may be used; only `active` apps sign anyone in.
    public enum Status: String, Sendable, Codable, CaseIterable {
        case active
        case inactive
        case blocked
    }

    public var id: String
    public var projectId: Int
    public var name: String
    public var description: String
    public var status: Status
    /// SHA-256 of the client secret; `nil` for a public client (a mobile or browser app), which must use PKCE.
    public var clientSecretHash: String?
    /// Whether anyone may sign up into the project through this app.
    public var allowsSignUp: Bool
    public var creationTime: Date
    public var updateTime: Date

    public init(
        id: String, projectId: Int, name: String, description: String = "", status: Status = .active,
        clientSecretHash: String? = nil, allowsSignUp: Bool = false, creationTime: Date, updateTime: Date? = nil
    ) {
        self.id = id
        self.projectId = projectId
        self.name = name
        self.description = description
        self.status = status
        self.clientSecretHash = clientSecretHash
        self.allowsSignUp = allowsSignUp
        self.creationTime = creationTime
        self.updateTime = updateTime ?? creationTime
    }

    /// A confidential client authenticates with its secret.
    public var isConfidential: Bool { clientSecretHash != nil }
}

/// A redirect URI an app may send users back to after the authorization step (exact match).
public struct AppRedirect: Sendable, Hashable {
    public var id: String
    public var appId: String
    public var uri: String
    public var creationTime: Date

    public init(id: String, appId: String, uri: String, creationTime: Date) {
        self.id = id
        self.appId = appId
        self.uri = uri
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

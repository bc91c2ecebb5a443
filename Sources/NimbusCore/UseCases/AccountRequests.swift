/// What a client sends to create a user; which fields count depends on the project's account mode.
public struct SignUpRequest: Sendable {
    public var projectId: Int
    public var name: String?
    public var email: String?
    public var password: String?
    public var phoneNumber: String?
    public var externalKey: String?
    /// The client's network address, for the limit on messages sent.
    public var address: String?
    /// The parts of the name, for dialects that keep them apart (`name` is then their join when not given).
    public var firstName: String?
    public var lastName: String?
    /// The name of a home the new user owns from the start (WiFi Motion's network); `nil` for none.
    public var ownHome: String?

    public init(
        projectId: Int, name: String? = nil, email: String? = nil, password: String? = nil, phoneNumber: String? = nil, externalKey: String? = nil,
        address: String? = nil, firstName: String? = nil, lastName: String? = nil, ownHome: String? = nil
    ) {
        self.projectId = projectId
        self.firstName = firstName
        self.lastName = lastName
        self.ownHome = ownHome
        self.name = name
        self.email = email
        self.password = password
        self.phoneNumber = phoneNumber
        self.externalKey = externalKey
        self.address = address
    }
}

/// What a client sends to sign a user in; which fields count depends on the project's account mode.
public struct SignInRequest: Sendable {
    public var projectId: Int?
    public var appId: String?
    public var email: String?
    public var password: String?
    public var phoneNumber: String?
    public var code: String?
    public var userId: Int?
    /// The client's network address, for the sign-in throttle.
    public var address: String?

    public init(
        projectId: Int? = nil, appId: String? = nil, email: String? = nil, password: String? = nil, phoneNumber: String? = nil, code: String? = nil,
        userId: Int? = nil, address: String? = nil
    ) {
        self.projectId = projectId
        self.appId = appId
        self.email = email
        self.password = password
        self.phoneNumber = phoneNumber
        self.code = code
        self.userId = userId
        self.address = address
    }
}

/// A new session and the token that is its credential (shown only now).
public struct IssuedSession: Sendable {
    public var session: Session
    public var token: String
}

/// The fields of a user that may change.
public struct UserChanges: Sendable {
    public var name: String?
    public var password: String?
    /// A user changing their own password proves they know the current one.
    public var currentPassword: String?
    /// A new email address, unverified until its owner follows the verification mail.
    public var email: String?
    public var firstName: String?
    public var lastName: String?

    public init(
        name: String? = nil, password: String? = nil, currentPassword: String? = nil, email: String? = nil, firstName: String? = nil,
        lastName: String? = nil
    ) {
        self.name = name
        self.password = password
        self.currentPassword = currentPassword
        self.email = email
        self.firstName = firstName
        self.lastName = lastName
    }
}

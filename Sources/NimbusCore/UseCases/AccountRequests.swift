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

    public init(
        projectId: Int, name: String? = nil, email: String? = nil, password: String? = nil, phoneNumber: String? = nil, externalKey: String? = nil,
        address: String? = nil
    ) {
        self.projectId = projectId
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

    public init(name: String? = nil, password: String? = nil, currentPassword: String? = nil) {
        self.name = name
        self.password = password
        self.currentPassword = currentPassword
    }
}

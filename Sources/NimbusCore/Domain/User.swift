import Foundation

/// An end user of a project.
public struct User: Sendable, Hashable {
    public var id: Int
    public var projectId: Int
    public var name: String
    public var email: String?
    public var phoneNumber: String?
    public var externalKey: String?
    /// bcrypt hash; `nil` for phone and BYOU users and for placeholders created by an invitation.
    public var passwordHash: String?
    public var verified: Bool
    public var creationTime: Date
    public var passwordUpdateTime: Date?
    /// Cayenne keeps the two parts of a name apart; `name` is always their join for other dialects.
    public var firstName: String?
    public var lastName: String?
    public var lastSignInTime: Date?

    public init(
        id: Int, projectId: Int, name: String, email: String? = nil, phoneNumber: String? = nil,
        externalKey: String? = nil, passwordHash: String? = nil, verified: Bool, creationTime: Date,
        passwordUpdateTime: Date? = nil, firstName: String? = nil, lastName: String? = nil, lastSignInTime: Date? = nil
    ) {
        self.id = id
        self.projectId = projectId
        self.name = name
        self.email = email
        self.phoneNumber = phoneNumber
        self.externalKey = externalKey
        self.passwordHash = passwordHash
        self.verified = verified
        self.creationTime = creationTime
        self.passwordUpdateTime = passwordUpdateTime
        self.firstName = firstName
        self.lastName = lastName
        self.lastSignInTime = lastSignInTime
    }
}

extension User {
    /// `name` as the parts make it, for the dialects that read one name: the non-empty parts joined by a space.
    public static func name(firstName: String?, lastName: String?) -> String {
        [firstName, lastName].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: " ")
    }
}

/// A signed-in user's session; its token is the credential (stored as a hash).
public struct Session: Sendable, Hashable {
    public var id: Int
    public var userId: Int
    public var projectId: Int
    public var appId: String?
    public var tokenHash: String
    public var creationTime: Date

    public init(id: Int, userId: Int, projectId: Int, appId: String?, tokenHash: String, creationTime: Date) {
        self.id = id
        self.userId = userId
        self.projectId = projectId
        self.appId = appId
        self.tokenHash = tokenHash
        self.creationTime = creationTime
    }
}

/// A single-use secret sent to a user out of band: an email verification link, a password reset
/// link, or an SMS sign-in code.
public struct UserToken: Sendable, Hashable {
    public enum Purpose: String, Sendable, Codable {
        case emailVerification = "email_verification"
        case passwordReset = "password_reset"
        case smsCode = "sms_code"
    }

    public var id: Int
    public var userId: Int
    public var purpose: Purpose
    public var secretHash: String
    public var expirationTime: Date
    public var failedAttempts: Int
    public var used: Bool

    public init(id: Int, userId: Int, purpose: Purpose, secretHash: String, expirationTime: Date, failedAttempts: Int, used: Bool) {
        self.id = id
        self.userId = userId
        self.purpose = purpose
        self.secretHash = secretHash
        self.expirationTime = expirationTime
        self.failedAttempts = failedAttempts
        self.used = used
    }
}

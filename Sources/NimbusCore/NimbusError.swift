/// The errors of the core. Each dialect renders them in its own error format; none of them carries
/// a secret, so they may be logged.
public enum NimbusError: Error, Sendable, Hashable {
    /// No credential was presented where one is needed.
    case authenticationRequired
    /// The credential is unknown, expired or revoked.
    case invalidCredential
    /// The credential is of the wrong kind for this operation (a device where a user is needed).
    case wrongCredentialKind
    /// The caller may see the object but not do this to it.
    case permissionDenied
    /// The object does not exist, or the caller may not know that it exists.
    case notFound(String)
    /// A field is missing, malformed or out of range.
    case invalidInput(field: String, reason: String)
    /// A business rule was broken; `code` names it (`LAST_OWNER`, `EMAIL_IN_USE`, …).
    case rejected(Rule)
    /// The device has no live connection to deliver a command to.
    case deviceOffline
    /// The account already holds as many of these (`what`: "things") as the server allows (`limit`).
    case limitReached(what: String, limit: Int)
    /// Too many wrong attempts; try again later.
    case tooManyAttempts
    /// The store failed; the message is for the log only.
    case storeFailure(String)

    /// Business rules that a request can break, named as the MODE API names them.
    public enum Rule: String, Sendable, Hashable {
        case invalidEmail = "INVALID_EMAIL"
        case invalidPhoneNumber = "INVALID_PHONE_NUMBER"
        case passwordTooShort = "PASSWORD_TOO_SHORT"
        case invalidKey = "INVALID_KEY"
        case emailInUse = "EMAIL_IN_USE"
        case phoneNumberInUse = "PHONE_NUMBER_IN_USE"
        case userExistsUnverified = "USER_EXISTS_UNVERIFIED"
        case incorrectPassword = "INCORRECT_PASSWORD"
        case unknownEmail = "UNKNOWN_EMAIL"
        case unknownUser = "UNKNOWN_USER"
        case invalidAuthCode = "INVALID_AUTH_CODE"
        case invalidToken = "INVALID_TOKEN"
        case memberExists = "MEMBER_EXISTS"
        case lastOwner = "LAST_OWNER"
        case deviceNotClaimable = "DEVICE_NOT_CLAIMABLE"
        case deviceAlreadyInHome = "DEVICE_ALREADY_IN_HOME"
        case unknownDeviceClass = "UNKNOWN_DEVICE_CLASS"
        case wrongAccountMode = "WRONG_ACCOUNT_MODE"
        case provisioningDisabled = "PROVISIONING_DISABLED"
        case alreadyExists = "ALREADY_EXISTS"
    }
}

/// Builds the links that account emails carry. Each dialect makes its own from the public URL and passes
/// them with the request that sends the email, so the core never learns a path and a user who signed up
/// through MODE gets MODE's pages while a Cayenne user gets Cayenne's.
public struct AccountLinks: Sendable {
    public var emailVerification: @Sendable (_ token: String) -> String
    public var passwordReset: @Sendable (_ token: String) -> String

    public init(
        emailVerification: @escaping @Sendable (String) -> String,
        passwordReset: @escaping @Sendable (String) -> String
    ) {
        self.emailVerification = emailVerification
        self.passwordReset = passwordReset
    }
}

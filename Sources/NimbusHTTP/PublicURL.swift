/// The URL clients reach the server at, trimmed once: the base of every link in an email, of each
/// dialect's public address, and of the OAuth issuer. Built from the configuration by the assembly
/// and handed to whatever needs an absolute URL, so that none of them trims or joins on its own.
public struct PublicURL: Sendable, Equatable, CustomStringConvertible {
    /// The URL without a trailing slash, such as `https://iot.example.com`.
    public let base: String

    /// `text` with any trailing slashes removed.
    public init(_ text: String) {
        var base = Substring(text)
        while base.hasSuffix("/") { base = base.dropLast() }
        self.base = String(base)
    }

    /// Whether clients reach the server over TLS (then cookies are `Secure`).
    public var isHTTPS: Bool { base.lowercased().hasPrefix("https://") }

    /// A dialect's public address: `base` followed by its path prefix (`/cayenne`).
    public func dialectBase(_ pathPrefix: String) -> String {
        base + pathPrefix
    }

    /// An absolute URL for a path that starts with `/`.
    public func url(_ path: String) -> String {
        base + path
    }

    public var description: String { base }
}

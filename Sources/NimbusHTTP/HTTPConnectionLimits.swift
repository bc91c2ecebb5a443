/// The bounds on HTTP connections that keep one client, or a crowd of slow ones, from taking every
/// file descriptor of the process (a slowloris): how long a request head may take, how long a
/// keep-alive connection may sit idle, how large a head may be, and how many connections may be open,
/// from one address and in all. WebSocket connections count as connections; once upgraded, the
/// timeouts no longer apply to them (WebSocket pings keep them honest).
public struct HTTPConnectionLimits: Sendable, Equatable {
    /// A request head must be complete this long after the connection opened, or after its first byte
    /// on a kept-alive connection; then `408` and close.
    public var headTimeout: Duration = .seconds(20)
    /// A kept-alive connection with no request is closed after this long, and so is one whose request
    /// body stops arriving for this long.
    public var idleTimeout: Duration = .seconds(60)
    /// The largest request line plus header fields, in bytes; larger heads get `431` and close.
    public var maximumHeadSize = 16 * 1024
    /// Open HTTP connections at once; `nil` lets the server derive it from the open-file limit.
    public var maximumConnections: Int?
    /// Open HTTP connections from one IPv4 address or one IPv6 /64 at once.
    public var maximumConnectionsPerAddress = 100

    public init() {}
}

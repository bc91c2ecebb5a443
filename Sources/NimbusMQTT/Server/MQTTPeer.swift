/// What a connection knows about the other end before CONNECT, for hooks (`MQTTConnectRequest`) and logs.
public struct MQTTPeer: Sendable, Hashable {
    /// The address as text (`"192.0.2.7:51234"`), or `nil` when unknown.
    public var address: String?
    /// The IP address alone (`"192.0.2.7"`), which per-address limits count by; `nil` when unknown.
    public var host: String?
    /// Whether the connection is encrypted (TLS, or WebSocket over HTTPS).
    public var isTLS: Bool
    /// How the client reached us, for logs: `"tcp"`, `"tls"`, `"websocket"`.
    public var transport: String

    public init(address: String?, host: String? = nil, isTLS: Bool, transport: String) {
        self.address = address
        self.host = host
        self.isTLS = isTLS
        self.transport = transport
    }
}

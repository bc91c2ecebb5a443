/// What a client presents in CONNECT, handed to `MQTTHooks.authenticate(_:)` to decide who it is.
///
/// Only the fields an authentication decision needs: the broker keeps the rest of the CONNECT (will, keep alive,
/// properties) to itself, so hooks cannot come to depend on protocol details.
public struct MQTTConnectRequest: Sendable {
    public var clientIdentifier: String
    public var username: String?
    /// Raw bytes, because MQTT passwords are binary data, not necessarily text (tokens, keys).
    public var password: [UInt8]?
    public var protocolVersion: MQTTProtocolVersion
    /// The peer's address as text, for logs and rate limits; `nil` when unknown (tests, in-process clients).
    public var remoteAddress: String?
    /// Whether the connection is encrypted, so hooks can refuse passwords sent in the clear.
    public var isTLS: Bool

    public init(
        clientIdentifier: String, username: String? = nil, password: [UInt8]? = nil,
        protocolVersion: MQTTProtocolVersion = .v3_1_1, remoteAddress: String? = nil, isTLS: Bool = false
    ) {
        self.clientIdentifier = clientIdentifier
        self.username = username
        self.password = password
        self.protocolVersion = protocolVersion
        self.remoteAddress = remoteAddress
        self.isTLS = isTLS
    }
}

import Hummingbird
import NIOCore
import NimbusCore

/// The request context of every Nimbus HTTP route and WebSocket. It carries only per-request
/// identity: who is calling, as the dialect's authenticator found out.
public struct NimbusRequestContext: RequestContext {
    /// The largest request body any Nimbus endpoint reads.
    public static let maximumBodySize = 1 << 20

    public var coreContext: CoreRequestContextStorage
    /// Set by a WebSocket route that admits the request; read by `HTTP1WebSocketChannel`.
    public let webSocketUpgrade: WebSocketUpgradeSlot
    /// The caller; `.anonymous` until an authenticator middleware recognises a credential.
    public var principal: Principal = .anonymous
    /// The peer's IP address (for sign-in throttling); `nil` when the transport has none.
    public let remoteAddress: String?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.webSocketUpgrade = WebSocketUpgradeSlot()
        self.remoteAddress = source.channel.remoteAddress?.ipAddress
    }

    public var maxUploadSize: Int { Self.maximumBodySize }
}

import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import NIOHTTP1
import NimbusCore

/// Delivers events to webhook smart modules: a JSON POST signed with `X-Mode-Signature`, the hex
/// HMAC-SHA256 of the URL followed by the body, keyed with the module's key.
public struct WebhookSender: Sendable {
    let store: any Store
    let client: HTTPClient

    public init(store: any Store, client: HTTPClient = .shared) {
        self.store = store
        self.client = client
    }

    /// Sends one delivery. Returns false when the module no longer exists (nothing to retry).
    public func send(_ delivery: WebhookDelivery) async throws -> Bool {
        guard let module = try await store.read({ try await $0.smartModules.get(projectId: delivery.projectId, id: delivery.moduleId) }),
            case .string(let url)? = module.configData["url"], case .string(let key)? = module.configData["key"]
        else { return false }
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "X-Mode-Signature", value: Self.signature(url: url, body: delivery.body, key: key))
        request.body = .bytes(ByteBuffer(string: delivery.body))
        let response = try await client.execute(request, timeout: .seconds(10))
        guard (200..<300).contains(response.status.code) else { throw DeliveryError("webhook answered \(response.status.code)") }
        return true
    }

    public static func signature(url: String, body: String, key: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data((url + body).utf8), using: SymmetricKey(data: Data(key.utf8)))
        return Array(mac).hexString
    }
}

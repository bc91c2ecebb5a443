import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NimbusCore

/// Sends the `http_push` requests of rules and jobs. At send time the URL's host is resolved and every address it
/// resolves to must pass `HTTPPushAddressPolicy`, else the push is refused for good (not retried). Redirects are not
/// followed (one could lead anywhere), the request times out after 10 s, and at most 64 KiB of the answer are read.
/// A push is signed like MODE's webhooks: `X-Nimbus-Signature` is the hex HMAC-SHA256 of the URL followed by the body,
/// keyed with the account's MQTT secret (the `clear_secret` of `POST /v1.1/clients`), when the account has one.
public struct HTTPPushSender: Sendable {
    let store: any Store
    let secretBox: SecretBox
    let policy: HTTPPushAddressPolicy
    public static let timeout = TimeAmount.seconds(10)
    public static let maximumResponseBytes = 64 * 1024

    /// One client for the process, which follows no redirect.
    private static let client = HTTPClient(
        eventLoopGroup: MultiThreadedEventLoopGroup.singleton,
        configuration: HTTPClient.Configuration(redirectConfiguration: .disallow, timeout: .init(connect: .seconds(5), read: .seconds(10))))

    public init(store: any Store, secretBox: SecretBox, policy: HTTPPushAddressPolicy) {
        self.store = store
        self.secretBox = secretBox
        self.policy = policy
    }

    public func send(_ delivery: HTTPPushDelivery) async throws {
        guard let url = URL(string: delivery.url), let host = url.host, let scheme = url.scheme?.lowercased() else {
            throw DeliveryRefused("not an http(s) URL")
        }
        let port = url.port ?? (scheme == "https" ? 443 : 80)
        let addresses = try await Self.resolve(host: host, port: port)
        guard !addresses.isEmpty else { throw DeliveryError("\(host) did not resolve") }
        if let refused = addresses.first(where: { !policy.allows($0) }) {
            throw DeliveryRefused("\(host) resolves to \(HTTPPushAddressPolicy.Range.text(of: refused)), which pushes may not reach")
        }
        var request = HTTPClientRequest(url: delivery.url)
        request.method = HTTPMethod(rawValue: delivery.method)
        for (name, value) in delivery.headers.sorted(by: { $0.key < $1.key }) { request.headers.add(name: name, value: value) }
        if let body = delivery.body {
            if !request.headers.contains(name: "Content-Type") { request.headers.add(name: "Content-Type", value: "application/json") }
            request.body = .bytes(ByteBuffer(string: body))
        }
        if let key = try await signingKey(homeId: delivery.homeId) {
            request.headers.replaceOrAdd(name: "X-Nimbus-Signature", value: WebhookSender.signature(url: delivery.url, body: delivery.body ?? "", key: key))
        }
        let response = try await Self.client.execute(request, timeout: Self.timeout)
        var read = 0
        for try await chunk in response.body {
            read += chunk.readableBytes
            if read > Self.maximumResponseBytes { break }
        }
        guard (200..<300).contains(response.status.code) else { throw DeliveryError("http push answered \(response.status.code)") }
    }

    private func signingKey(homeId: Int) async throws -> String? {
        guard let client = try await store.read({ tx in try await tx.mqttClients.find(homeId: homeId) }) else { return nil }
        return secretBox.open(client.sealedSecret)
    }

    /// The addresses `host` resolves to (an address written as such resolves to itself), looked up off the event loops.
    static func resolve(host: String, port: Int) async throws -> [[UInt8]] {
        let name = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        if let literal = HTTPPushAddressPolicy.Range.bytes(of: name) { return [literal] }
        return try await NIOThreadPool.singleton.runIfActive {
            var hints = addrinfo()
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
            var first: UnsafeMutablePointer<addrinfo>?
            guard getaddrinfo(name, String(port), &hints, &first) == 0 else { return [] }
            defer { freeaddrinfo(first) }
            var addresses: [[UInt8]] = []
            var cursor = first
            while let entry = cursor {
                if let socket = entry.pointee.ai_addr, let address = HTTPPushAddressPolicy.Range.bytes(of: socket) { addresses.append(address) }
                cursor = entry.pointee.ai_next
            }
            return addresses
        }
    }
}

/// A delivery that must not be tried again (a push to an address it may not reach): the outbox abandons it at once.
public struct DeliveryRefused: Error, CustomStringConvertible, Sendable {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}

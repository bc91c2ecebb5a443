import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NimbusCore

/// Sends SMS through an HTTP gateway in the style of the common SMS APIs: a form POST with `To`,
/// `From` and `Body`, authenticated with the user and password of the configured URL.
public struct HTTPSMSSender: SMSSender {
    let endpoint: String
    let authorization: String?
    let from: String
    let client: HTTPClient

    /// - Parameter url: `http(s)://[user:password@]host[:port]/path`.
    public init(url: String, from: String, client: HTTPClient = .shared) throws {
        guard var components = URLComponents(string: url), ["http", "https"].contains(components.scheme ?? ""), components.host != nil else {
            throw DeliveryError("the SMS URL must be an http or https URL")
        }
        if let user = components.user {
            let credentials = "\(user.removingPercentEncoding ?? user):\(components.password?.removingPercentEncoding ?? "")"
            authorization = "Basic " + Data(credentials.utf8).base64EncodedString()
        } else {
            authorization = nil
        }
        components.user = nil
        components.password = nil
        self.endpoint = components.string ?? url
        self.from = from
        self.client = client
    }

    public func send(_ message: SMSMessage) async throws {
        var request = HTTPClientRequest(url: endpoint)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        if let authorization { request.headers.add(name: "Authorization", value: authorization) }
        let form = [("To", message.to), ("From", from), ("Body", message.body)]
            .map { "\($0.0)=\(Self.formEncode($0.1))" }.joined(separator: "&")
        request.body = .bytes(ByteBuffer(string: form))
        let response = try await client.execute(request, timeout: .seconds(10))
        guard (200..<300).contains(response.status.code) else { throw DeliveryError("SMS gateway answered \(response.status.code)") }
    }

    public static func formEncode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._*")
        return (text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text)
    }
}

import Foundation
import Hummingbird
import NimbusCore

/// The JSON objects of the App Cloud API (`docs/wifimotion.md`).
enum WiFiMotionWire {
    static func time(_ date: Date) -> JSONValue { .string(Timestamp.rfc3339(date)) }

    /// A user as the API shows it. Nimbus keeps whether an email is confirmed, not when: a confirmed user's
    /// `confirmed_at` is their sign-up time.
    static func user(_ user: User) -> JSONValue {
        let changed = [user.creationTime, user.passwordUpdateTime].compactMap { $0 }.max() ?? user.creationTime
        return .object([
            "id": .number(Double(user.id)), "username": user.email.map(JSONValue.string) ?? .null,
            "email": user.email.map(JSONValue.string) ?? .null,
            "first_name": .string(user.firstName ?? user.name), "last_name": .string(user.lastName ?? ""),
            "created_at": time(user.creationTime), "updated_at": time(changed),
            "confirmed_at": user.verified ? time(user.creationTime) : .null,
            "sub": .string(String(user.id)),
            "valid_from": .number((user.lastSignInTime ?? user.creationTime).timeIntervalSince1970.rounded(.down)),
        ])
    }

    static func session(token: String, refreshToken: String?, user: User) -> JSONValue {
        .object(["token": .string(token), "refresh_token": refreshToken.map(JSONValue.string) ?? .null, "user": Self.user(user)])
    }

    /// `<network>-<user>`: a membership is one user in one network.
    static func membershipId(network: Int, user: Int) -> String { "\(network)-\(user)" }

    static func membership(_ member: HomeMember, network: JSONValue?, expandUser: Bool) -> JSONValue {
        .object([
            "id": .string(membershipId(network: member.homeId, user: member.user.id)), "role": .string(member.role.rawValue),
            "user": expandUser ? user(member.user) : .number(Double(member.user.id)),
            "network": network ?? .number(Double(member.homeId)),
            "created_at": time(member.creationTime), "updated_at": time(member.creationTime), "is_present": .bool(false),
        ])
    }
}

extension JSONValue {
    /// A JSON answer with its status.
    func response(_ status: HTTPResponse.Status = .ok) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        headers[.cacheControl] = "no-store"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: jsonText)))
    }
}

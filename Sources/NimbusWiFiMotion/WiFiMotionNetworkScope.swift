import Foundation
import Hummingbird
import NimbusCore
import NimbusHTTP

/// Which network a call under `/sensors`, `/sounding`, `/topologies`, the motion history and the events is about:
/// `network_id` when given (one the caller belongs to), else the caller's first network; and whether the caller
/// owns it.
struct WiFiMotionNetworkScope: Sendable {
    let homes: HomeUseCases

    func network(_ request: Request, _ context: NimbusRequestContext) async throws -> Int {
        if let text = request.uri.queryParameters.get("network_id") {
            guard let id = Int(text) else { throw WiFiMotionError.invalid("network_id", "must be an integer") }
            return try await homes.get(id, by: context.principal).id
        }
        let networks = try await homes.list(userId: nil, projectId: nil, page: PageRequest(skip: 0, limit: 1), by: context.principal)
        guard let first = networks.items.first else { throw NimbusError.notFound("network") }
        return first.id
    }

    func requireOwner(_ networkId: Int, _ context: NimbusRequestContext) async throws {
        guard case .user(let userId, _, _, _) = context.principal else { throw NimbusError.wrongCredentialKind }
        guard try await homes.member(of: networkId, userId: userId, by: context.principal).role == .owner else { throw NimbusError.permissionDenied }
    }

    /// A settings document of the network (`nil` when never saved).
    func setting(_ key: String, of networkId: Int, _ context: NimbusRequestContext) async throws -> JSONValue? {
        try await homes.setting(key, of: networkId, by: context.principal)?.value
    }
}

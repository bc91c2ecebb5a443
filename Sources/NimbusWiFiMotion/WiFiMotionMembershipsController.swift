import Foundation
import Hummingbird
import NimbusCore
import NimbusHTTP

/// Who belongs to a network: memberships (`owner` or `member`) and invitations by email. Owners add, change and
/// remove; a member may leave; the last owner cannot.
struct WiFiMotionMembershipsController: Sendable {
    let homes: HomeUseCases

    func addRoutes(to api: RouterGroup<NimbusRequestContext>) {
        api.get("network_memberships", use: list)
        api.post("network_memberships", use: add)
        api.delete("network_memberships/:id", use: remove)
        api.post("member_invites", use: invite)
    }

    /// The memberships of one network (`network_id`), or of every network of the caller.
    @Sendable func list(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        // `expand[]=user` arrives with its brackets escaped (`expand%5B%5D`) from most clients.
        let expand = Set(request.uri.queryParameters.compactMap { key, value in
            ["expand", "expand[]"].contains(String(key).removingPercentEncoding ?? String(key)) ? String(value).removingPercentEncoding : nil
        })
        let networks: [Home]
        if let text = request.uri.queryParameters.get("network_id") {
            guard let id = Int(text) else { throw WiFiMotionError.invalid("network_id", "must be an integer") }
            networks = [try await homes.get(id, by: context.principal)]
        } else {
            networks = try await homes.list(userId: nil, projectId: nil, page: PageRequest(skip: 0, limit: PageRequest.maximumLimit), by: context.principal).items
        }
        var memberships: [JSONValue] = []
        let describer = WiFiMotionNetworksController(homes: homes)
        for home in networks {
            let network = expand.contains("network") ? try await describer.network(home, by: context.principal) : nil
            for member in try await homes.members(of: home.id, page: PageRequest(skip: 0, limit: PageRequest.maximumLimit), by: context.principal).items {
                memberships.append(WiFiMotionWire.membership(member, network: network, expandUser: expand.contains("user")))
            }
        }
        return JSONValue.object(["data": .array(memberships)]).response()
    }

    /// Adds a user of the project to a network, or gives a member another role.
    @Sendable func add(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let fields = try await WiFiMotionFields.read(request, context: context)
        guard let networkId = try fields.int("network_id") else { throw WiFiMotionError.invalid("network_id", "required") }
        guard let userId = try fields.int("user_id") else { throw WiFiMotionError.invalid("user_id", "required") }
        let role = try Self.role(try fields.string("role") ?? "member")
        do {
            _ = try await homes.addMember(to: networkId, .userId(userId), role: role, address: context.remoteAddress, by: context.principal)
        } catch NimbusError.rejected(.memberExists) {
            try await homes.setRole(of: userId, in: networkId, to: role, by: context.principal)
        }
        let member = try await homes.member(of: networkId, userId: userId, by: context.principal)
        return WiFiMotionWire.membership(member, network: nil, expandUser: false).response(.created)
    }

    @Sendable func remove(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let parts = (context.parameters.get("id") ?? "").split(separator: "-")
        guard parts.count == 2, let networkId = Int(parts[0]), let userId = Int(parts[1]) else { throw NimbusError.notFound("membership") }
        try await homes.removeMember(userId, from: networkId, by: context.principal)
        return Response(status: .noContent)
    }

    /// Each address becomes a member and gets an invitation mail; the ones that cannot (not an address, already a
    /// member) are listed back. Only an owner invites.
    @Sendable func invite(_ request: Request, context: NimbusRequestContext) async throws -> Response {
        let fields = try await WiFiMotionFields.read(request, context: context)
        guard let networkId = try fields.int("network_id") else { throw WiFiMotionError.invalid("network_id", "required") }
        guard let emails = try fields.strings("emails"), !emails.isEmpty else { throw WiFiMotionError.invalid("emails", "at least one address") }
        guard emails.count <= 50 else { throw WiFiMotionError.invalid("emails", "at most 50 addresses at a time") }
        var failed: [JSONValue] = []
        for email in emails {
            do {
                _ = try await homes.addMember(to: networkId, .email(email), role: .member, address: context.remoteAddress, by: context.principal)
            } catch NimbusError.invalidInput, NimbusError.rejected {
                failed.append(.string(email))
            }
        }
        return JSONValue.object(["failed_emails": .array(failed)]).response()
    }

    static func role(_ text: String) throws -> HomeMember.Role {
        guard let role = HomeMember.Role(rawValue: text) else { throw WiFiMotionError.invalid("role", "owner or member") }
        return role
    }
}

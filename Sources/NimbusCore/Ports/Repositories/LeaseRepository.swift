import Foundation

/// Named leases on periodic work that one server at a time should do among those sharing the database (reading
/// retention): held until they expire, renewed by their holder, taken by another once expired.
public protocol LeaseRepository: Sendable {
    /// Takes or renews the lease `name` for `holder` until `expiry`, unless another holds it past `now`.
    /// - Returns: whether `holder` holds it now.
    func claim(_ name: String, holder: String, at now: Date, until expiry: Date) async throws -> Bool
    /// Ends the leases held by servers no longer among the living (`nodes`): the next server to ask takes them.
    func releaseLeasesOfServersGone() async throws
}

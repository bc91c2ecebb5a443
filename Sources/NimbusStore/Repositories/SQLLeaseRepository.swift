import Foundation
import NimbusCore
import SQLKit

struct SQLLeaseRepository: LeaseRepository {
    let db: any SQLDatabase

    func claim(_ name: String, holder: String, at now: Date, until expiry: Date) async throws -> Bool {
        // One statement: the row is made, or updated only when expired or already this holder's; a row comes back
        // only when the lease is the holder's.
        try await db.raw("""
            INSERT INTO leases (name, holder, expires_at) VALUES (\(bind: name), \(bind: holder), \(bind: expiry))
            ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
                WHERE leases.expires_at < \(bind: now) OR leases.holder = excluded.holder
            RETURNING holder
            """).first() != nil
    }

    func releaseLeasesOfServersGone() async throws {
        try await db.raw("DELETE FROM leases WHERE holder NOT IN (SELECT id FROM nodes)").run()
    }
}

import Foundation
import NimbusCore
import NimbusStore
import Testing

@Suite("Sign-in attempts counted in the database")
struct SQLAttemptCountTests {
    @Test("two servers' throttles share the counts: concurrent guesses on both stop at the limit", arguments: StoreBackend.available)
    func sharedThrottle(backend: StoreBackend) async throws {
        try await withStore(backend) { store in
            var limits = SignInThrottle.Limits()
            limits.delayAfter = 100
            limits.refuseAfter = 10
            limits.refuseAfterPerAddress = 1_000
            let servers = [SignInThrottle(limits: limits, counts: StoredAttemptCounts(store: store)),
                           SignInThrottle(limits: limits, counts: StoredAttemptCounts(store: store))]
            let account = "guessed-\(UUID().uuidString)"
            let allowed = try await withThrowingTaskGroup(of: Bool.self) { group in
                for index in 0..<24 {
                    group.addTask { try await servers[index % 2].begin(account: account, address: "10.0.0.\(index)") != .refused }
                }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(allowed == 10, "the account's ten attempts, wherever they were made")
            // A success on one server clears the account on both.
            try await servers[0].recordSuccess(account: account, address: "10.0.0.0")
            #expect(try await servers[1].begin(account: account, address: "10.0.0.1") == .allowed(delay: .zero))
        }
    }
}

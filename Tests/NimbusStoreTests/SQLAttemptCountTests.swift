import Foundation
@testable import NimbusCore
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

    @Test("messages asked for from one address are counted across servers, in the window of the first", arguments: StoreBackend.available)
    func sharedMessageLimit(backend: StoreBackend) async throws {
        try await withStore(backend) { store in
            var limits = MessageThrottle.Limits()
            limits.perAddress = 3
            limits.perTarget = 100
            let servers = [MessageThrottle(limits: limits, countsAddressesInStore: true),
                           MessageThrottle(limits: limits, countsAddressesInStore: true)]
            let address = "192.0.2.\(Int.random(in: 1...250))-\(UUID().uuidString)"
            let now = Date()
            var admitted = 0
            for index in 0..<6 {
                do {
                    try await store.write { tx in
                        try await servers[index % 2].admit("target-\(UUID().uuidString)@example.com", address: address, at: now, in: tx)
                    }
                    admitted += 1
                } catch NimbusError.tooManyAttempts {}
            }
            #expect(admitted == 3, "three from the address, whichever server it asked")
            let later = now + limits.window + 1
            try await store.write { tx in try await servers[0].admit("later@example.com", address: address, at: later, in: tx) }
        }
    }
}

import NimbusCore
import Testing

@Suite("Credential cache")
struct CredentialCacheTests {
    let session = Principal.user(userId: 1, projectId: 1, sessionId: 10, appId: "app")
    let device = Principal.device(deviceId: 5, projectId: 1)

    @Test("remembers by token hash and forgets exactly what a revocation names")
    func rememberAndForget() {
        let cache = CredentialCache()
        cache.remember(session, tokenHash: "s", foundAt: cache.generation)
        cache.remember(device, tokenHash: "d", foundAt: cache.generation)
        #expect(cache.principal(tokenHash: "s") == session)
        #expect(cache.principal(tokenHash: "unknown") == nil)

        cache.forget(.session(11))
        #expect(cache.principal(tokenHash: "s") == session, "another session's revocation")
        cache.forget(.device(5))
        #expect(cache.principal(tokenHash: "d") == nil)
        cache.forget(.user(1))
        #expect(cache.principal(tokenHash: "s") == nil, "deleting the user ends its sessions")
    }

    @Test("a lookup that raced with a revocation does not bring the credential back")
    func staleLookup() {
        let cache = CredentialCache()
        let before = cache.generation  // the authenticator reads the store after this…
        cache.forget(.session(10))  // …while the session is revoked
        cache.remember(session, tokenHash: "s", foundAt: before)
        #expect(cache.principal(tokenHash: "s") == nil)
    }

    @Test("entries expire, and a full cache starts over instead of growing")
    func bounds() async throws {
        let shortLived = CredentialCache(lifetime: .milliseconds(20))
        shortLived.remember(device, tokenHash: "d", foundAt: shortLived.generation)
        try await Task.sleep(for: .milliseconds(40))
        #expect(shortLived.principal(tokenHash: "d") == nil)

        let small = CredentialCache(capacity: 2)
        for hash in ["a", "b", "c"] { small.remember(device, tokenHash: hash, foundAt: small.generation) }
        #expect(small.principal(tokenHash: "c") == device)
        #expect(small.principal(tokenHash: "a") == nil)
    }
}

import Synchronization

/// Credentials recently found valid, so that a busy device or session costs no database read per
/// request. Entries are keyed by the token's hash (never the token), live at most `lifetime`, and
/// are forgotten at once when this process revokes them (`CoreEnvironment.revoke`). The lifetime
/// bounds how long a revocation made by another process can go unnoticed; only the admin CLI shares
/// the database today, and it revokes nothing.
public final class CredentialCache: Sendable {
    /// Taken before the database read and handed back to `remember`, so that a lookup that raced
    /// with a revocation cannot put the revoked credential back.
    public struct Generation: Sendable, Equatable {
        fileprivate let value: UInt64
    }

    private struct Entry {
        let principal: Principal
        let expires: ContinuousClock.Instant
    }

    private struct State {
        var entries: [String: Entry] = [:]
        var generation: UInt64 = 0
    }

    private let state = Mutex(State())
    let lifetime: Duration
    let capacity: Int

    public init(lifetime: Duration = .seconds(60), capacity: Int = 50_000) {
        self.lifetime = lifetime
        self.capacity = capacity
    }

    /// The principal of a token hash, if it was found valid within the lifetime.
    public func principal(tokenHash: String) -> Principal? {
        state.withLock { state in
            guard let entry = state.entries[tokenHash] else { return nil }
            guard entry.expires > .now else {
                state.entries[tokenHash] = nil
                return nil
            }
            return entry.principal
        }
    }

    public var generation: Generation {
        state.withLock { Generation(value: $0.generation) }
    }

    /// Remembers a principal found in the store, unless something was revoked since `generation`;
    /// `validFor` caps the entry's life for a credential that expires by itself (an access token).
    public func remember(_ principal: Principal, tokenHash: String, foundAt generation: Generation, validFor: Duration? = nil) {
        let expires = ContinuousClock.now + min(lifetime, validFor ?? lifetime)
        state.withLock { state in
            guard state.generation == generation.value else { return }
            if state.entries.count >= capacity {
                // Rare and cheap to recover from: every credential is one read away.
                state.entries.removeAll(keepingCapacity: true)
            }
            state.entries[tokenHash] = Entry(principal: principal, expires: expires)
        }
    }

    /// Forgets one credential (a revoked client access token, which belongs to no session).
    public func forget(tokenHash: String) {
        state.withLock { state in
            state.generation &+= 1
            state.entries[tokenHash] = nil
        }
    }

    /// Forgets the access tokens of an OAuth client acting for itself (its app was deactivated).
    public func forget(client appId: String) {
        state.withLock { state in
            state.generation &+= 1
            state.entries = state.entries.filter { entry in
                if case .client(let id, _) = entry.value.principal { return id != appId }
                return true
            }
        }
    }

    /// Forgets a credential revoked without a topic, here or on another server (`CoreEnvironment.revoke`).
    public func forget(_ revocation: CredentialRevocation) {
        switch revocation {
        case .token(let hash): forget(tokenHash: hash)
        case .client(let appId): forget(client: appId)
        }
    }

    /// Forgets every credential that belongs to the topic's owner.
    public func forget(_ topic: BusTopic) {
        state.withLock { state in
            state.generation &+= 1
            state.entries = state.entries.filter { !Self.principal($0.value.principal, belongsTo: topic) }
        }
    }

    static func principal(_ principal: Principal, belongsTo topic: BusTopic) -> Bool {
        switch (principal, topic) {
        case (.user(let userId, _, _, _), .user(let id)): userId == id
        case (.user(_, _, let sessionId, _), .session(let id)): sessionId == id
        case (.device(let deviceId, _), .device(let id)): deviceId == id
        default: false
        }
    }
}

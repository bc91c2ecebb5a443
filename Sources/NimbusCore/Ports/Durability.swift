/// Says when a committed write has reached the disk.
///
/// A store may answer `Store.writeCommitted` as soon as its transaction has committed, before the commit is
/// durable: the SQLite store writes its log there and flushes it on threads of its own, so that the next
/// transaction is written while the previous one is being flushed. Until this reports success nobody may be
/// told about the write (its caller answered, its event published): a power cut in between loses it.
///
/// Durability is ordered: when a write is durable, so is every write committed before it.
public struct Durability: Sendable {
    public typealias Callback = @Sendable (Result<Void, any Error>) -> Void

    private let notify: @Sendable (@escaping Callback) -> Void

    /// - Parameter notify: calls its callback once, when the write is durable or cannot become so; callbacks
    ///   given for writes in commit order are called in that order.
    public init(notify: @escaping @Sendable (@escaping Callback) -> Void) {
        self.notify = notify
    }

    /// A write that was durable when it returned (the commit itself waited for the disk).
    public static let immediate = Durability { $0(.success(())) }

    /// Calls `callback` once the write is durable, or with the error that keeps it from being so: on the thread
    /// that flushed it, or at once when that is already known (a store may first give the answers it decided
    /// before), so the callback must not block.
    public func whenDurable(_ callback: @escaping Callback) {
        notify(callback)
    }

    /// Returns once the write is durable; throws when it cannot become so.
    public func wait() async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            notify { continuation.resume(with: $0) }
        }
    }
}

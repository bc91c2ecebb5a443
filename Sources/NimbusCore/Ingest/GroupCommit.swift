import Foundation

/// Group commit: callers that arrive while a batch is being written wait for the next batch, which writes
/// all of them in one transaction. Throughput then grows with concurrency instead of being bounded by one
/// commit per record, and no caller is answered before its record is durable.
///
/// `commit` writes one batch and says, for each submission, whether it was refused; when it throws for a batch
/// of several, the submissions are written one by one, so one bad record does not fail its neighbours.
actor GroupCommit<Submission: Sendable> {
    typealias Commit = @Sendable ([Submission]) async throws -> [NimbusError?]

    private struct Pending {
        let submission: Submission
        let continuation: CheckedContinuation<Void, any Error>
    }

    private let commit: Commit
    private let maximumBatch: Int
    private var queue: [Pending] = []
    private var isWriting = false

    /// - Parameter maximumBatch: the most submissions one transaction holds; bounds the transaction and the
    ///   latency of its first submission.
    init(maximumBatch: Int = 512, commit: @escaping Commit) {
        self.maximumBatch = maximumBatch
        self.commit = commit
    }

    /// Returns once the submission is durable; throws its refusal or the store's error.
    func write(_ submission: Submission) async throws {
        try await withCheckedThrowingContinuation { continuation in
            queue.append(Pending(submission: submission, continuation: continuation))
            if !isWriting {
                isWriting = true
                Task { await self.drain() }
            }
        }
    }

    private func drain() async {
        while !queue.isEmpty {
            let batch = Array(queue.prefix(maximumBatch))
            queue.removeFirst(batch.count)
            do {
                let refusals = try await commit(batch.map(\.submission))
                for (pending, refusal) in zip(batch, refusals) { pending.continuation.resume(with: refusal.map { .failure($0) } ?? .success(())) }
            } catch where batch.count > 1 {
                for pending in batch {
                    do {
                        if let refusal = try await commit([pending.submission])[0] { throw refusal }
                        pending.continuation.resume()
                    } catch {
                        pending.continuation.resume(throwing: error)
                    }
                }
            } catch {
                batch.first?.continuation.resume(throwing: error)
            }
        }
        isWriting = false
    }
}

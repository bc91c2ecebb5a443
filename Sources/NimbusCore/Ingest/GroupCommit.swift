import Synchronization

/// Group commit: callers that arrive while a batch is being written wait for the next batch, which writes
/// all of them in one transaction. Throughput then grows with concurrency instead of being bounded by one
/// commit per record, and no caller is answered before its record is durable.
///
/// `commit` writes one batch, returns once it is durable and says, for each submission, whether it was refused;
/// when it throws for a batch of several, the submissions are written one by one, so one bad record does not fail
/// its neighbours. The batch's callers are answered as soon as it returns; what arrived meanwhile is the next batch.
///
/// The queue is a lock, not an actor, so that a caller on a NIO event loop can submit without entering Swift
/// concurrency (`submit(_:completion:)`, used by the HTTP ingest route that answers below the router). The loop
/// that writes the batches runs on `executor`, the store's writer thread on SQLite: it takes a batch, commits
/// it there, and ends when the queue is empty; callers are answered from the thread that made their batch durable.
final class GroupCommit<Submission: Sendable>: Sendable {
    typealias Commit = @Sendable ([Submission]) async throws -> [NimbusError?]
    /// Called once per submission, on the committing thread, when it is durable or has failed: it must not block.
    typealias Completion = @Sendable (Result<Void, any Error>) -> Void

    private struct Pending: Sendable {
        let submission: Submission
        let caller: Caller
    }

    /// Who waits for a submission: a task (resumed from the shared pool, all of a batch in one job, so the
    /// answering thread goes on at once), or a callback (called on the answering thread).
    private enum Caller: Sendable {
        case task(CheckedContinuation<Void, any Error>)
        case callback(Completion)
    }

    private struct Queue {
        var pending: [Pending] = []
        var isWriting = false
    }

    private let commit: Commit
    private let maximumBatch: Int
    private let executor: (any TaskExecutor)?
    private let queue = Mutex(Queue())

    /// - Parameters:
    ///   - maximumBatch: the most submissions one transaction holds; bounds the transaction and the latency of
    ///     its first submission.
    ///   - executor: where the writing loop runs (`Store.writeExecutor`); `nil` for the shared pool.
    init(maximumBatch: Int = 512, executor: (any TaskExecutor)? = nil, commit: @escaping Commit) {
        self.maximumBatch = maximumBatch
        self.executor = executor
        self.commit = commit
    }

    /// Returns once the submission is durable; throws its refusal or the store's error.
    func write(_ submission: Submission) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            enqueue(Pending(submission: submission, caller: .task(continuation)))
        }
    }

    /// Queues the submission; `completion` says when it is durable, or why it is not.
    func submit(_ submission: Submission, completion: @escaping Completion) {
        enqueue(Pending(submission: submission, caller: .callback(completion)))
    }

    private func enqueue(_ pending: Pending) {
        let startsLoop = queue.withLock { queue in
            queue.pending.append(pending)
            defer { queue.isWriting = true }
            return !queue.isWriting
        }
        if startsLoop { Task(executorPreference: executor) { await self.writeUntilEmpty() } }
    }

    private func writeUntilEmpty() async {
        while true {
            guard let batch = nextBatch() else { return }
            answer(batch, with: await write(batch))
            // Other transactions wait for the same thread (an account change, a session): let the ones already
            // queued there run before the next batch, as they did when each batch hopped to the thread.
            await Task.yield()
        }
    }

    /// Commits the batch: each submission's outcome, once the batch is durable.
    private func write(_ batch: [Pending]) async -> [Result<Void, any Error>] {
        do {
            let refusals = try await commit(batch.map(\.submission))
            return refusals.map { refusal in refusal.map { .failure($0) } ?? .success(()) }
        } catch where batch.count > 1 {
            // Rare (a store error mid-batch): each submission written on its own.
            var results: [Result<Void, any Error>] = []
            for pending in batch {
                do {
                    if let refusal = try await commit([pending.submission])[0] { throw refusal }
                    results.append(.success(()))
                } catch {
                    results.append(.failure(error))
                }
            }
            return results
        } catch {
            return [.failure(error)]
        }
    }

    private func answer(_ batch: [Pending], with results: [Result<Void, any Error>]) {
        var tasks: [(CheckedContinuation<Void, any Error>, Result<Void, any Error>)] = []
        for (pending, result) in zip(batch, results) {
            switch pending.caller {
            case .callback(let completion): completion(result)
            case .task(let continuation): tasks.append((continuation, result))
            }
        }
        guard !tasks.isEmpty else { return }
        Task.detached { for (continuation, result) in tasks { continuation.resume(with: result) } }
    }

    /// The next batch, or `nil` (and the loop ends) when nothing is waiting.
    private func nextBatch() -> [Pending]? {
        queue.withLock { queue in
            guard !queue.pending.isEmpty else {
                queue.isWriting = false
                return nil
            }
            let batch = Array(queue.pending.prefix(maximumBatch))
            queue.pending.removeFirst(batch.count)
            return batch
        }
    }
}

import Dispatch
import Foundation
import Synchronization

/// A task executor with a thread of its own.
///
/// The group-commit loop of the durable write path runs on it. That loop awaits the database once per
/// statement; on the shared cooperative pool each of those resumptions waited behind every request
/// handler in the queue (on two cores, a transaction of six statements spent most of its 1.3 ms there),
/// and while the loop waits, nothing is written. On its own thread it resumes as soon as the statement is
/// done, so a commit takes about the time the database needs. One thread serves the whole process: the
/// loop is serial anyway, and tests that build many cores do not each start a thread.
public final class DedicatedThreadExecutor: TaskExecutor {
    /// The executor of the durable write path.
    public static let writePath = DedicatedThreadExecutor(name: "nimbus.write-path")

    private let jobs = Mutex<[UnownedJob]>([])
    /// Counts enqueued jobs; the thread sleeps on it when there is nothing to run.
    private let pending = DispatchSemaphore(value: 0)

    private init(name: String) {
        let thread = Thread { [self] in self.run() }
        thread.name = name
        thread.start()
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        jobs.withLock { $0.append(job) }
        pending.signal()
    }

    private func run() {
        while true {
            pending.wait()
            let ready = jobs.withLock { jobs in
                defer { jobs.removeAll(keepingCapacity: true) }
                return jobs
            }
            // Later signals of jobs taken here find the queue empty: `ready` is then empty too.
            for job in ready { job.runSynchronously(on: asUnownedTaskExecutor()) }
        }
    }
}

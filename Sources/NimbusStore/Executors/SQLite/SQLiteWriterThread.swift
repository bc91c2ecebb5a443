import Dispatch
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The thread the writer connection's transactions run on, as a task executor.
///
/// SQLite calls block: a commit waits for its fsync, and BEGIN IMMEDIATE waits (up to the busy timeout) while
/// another process, such as an admin command, holds the write lock. On the shared cooperative pool, whose
/// threads are as many as the cores, that would stall request handlers; on this thread it stalls only the
/// serial write path, which waits for the same thing anyway. A transaction hops here once and runs from BEGIN
/// to COMMIT without another thread hand-off.
final class SQLiteWriterThread: TaskExecutor {
    private struct Queue {
        var jobs: [UnownedJob] = []
        var stopped = false
    }

    private let queue = Mutex(Queue())
    /// Counts enqueued jobs (and the stop request); the thread sleeps on it when there is nothing to run.
    private let pending = DispatchSemaphore(value: 0)

    init() {
        Thread { [self] in self.run() }.start()
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let accepted = queue.withLock { queue in
            if !queue.stopped { queue.jobs.append(job) }
            return !queue.stopped
        }
        if accepted {
            pending.signal()
        } else {
            // A write that arrives after the store closed runs on the shared pool, where it finds its connection
            // closed and fails, instead of waiting for a thread that has ended.
            globalConcurrentExecutor.enqueue(job)
        }
    }

    /// Lets the thread end once the jobs already enqueued have run; later jobs go to the shared pool. Call
    /// after the last transaction.
    func stop() {
        queue.withLock { $0.stopped = true }
        pending.signal()
    }

    private func run() {
        #if canImport(Glibc)
        // `Thread.name` does not name the OS thread on Linux; `top -H` and `perf` read this one.
        if let comm = fopen("/proc/thread-self/comm", "w") {
            fputs("nimbus-sqlite-w", comm)
            fclose(comm)
        }
        #endif
        while true {
            pending.wait()
            let (ready, stopped) = queue.withLock { queue in
                defer { queue.jobs.removeAll(keepingCapacity: true) }
                return (queue.jobs, queue.stopped)
            }
            // Later signals of jobs taken here find the queue empty: `ready` is then empty too.
            for job in ready { job.runSynchronously(on: asUnownedTaskExecutor()) }
            if stopped { return }
        }
    }
}

import CNimbusLinux
import Dispatch
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Threads of their own, as a task executor, for work that blocks or runs long without suspending.
///
/// The cooperative pool has as many threads as the machine has cores; a job that blocks one of them (SQLite
/// waiting for its fsync or for another process's lock, bcrypt computing for tens of milliseconds) takes that
/// share of the server from every request handler. Work run here, through `withTaskExecutorPreference`, stalls
/// only its own threads, and the number of threads bounds how much of the machine that work can take.
///
/// Used by the SQLite store's writer (one thread: every write transaction runs on it from BEGIN to COMMIT) and
/// by password hashing.
public final class ThreadExecutor: TaskExecutor {
    private struct Queue {
        var jobs: [UnownedJob] = []
        var stopped = false
    }

    private let queue = Mutex(Queue())
    /// One signal per enqueued job, and one per thread when stopping; a thread sleeps on it when idle.
    private let pending = DispatchSemaphore(value: 0)
    private let threadCount: Int

    /// - Parameters:
    ///   - name: the OS name of the threads (at most 15 bytes), which `top -H` and `perf` show.
    ///   - threads: how many jobs may run at once.
    ///   - timeSlice: the scheduler time slice to ask for (`cnimbus_request_time_slice`), for threads that sleep
    ///     and wake often on a path someone waits for; `nil` for the kernel's default. Where the kernel has no
    ///     such setting the threads run with the default.
    public init(name: String, threads: Int = 1, timeSlice: Duration? = nil) {
        threadCount = max(1, threads)
        let sliceNanoseconds = timeSlice.map { UInt64($0.components.seconds) * 1_000_000_000 + UInt64($0.components.attoseconds / 1_000_000_000) }
        for _ in 0..<threadCount {
            Thread { [self] in
                if let sliceNanoseconds { _ = cnimbus_request_time_slice(sliceNanoseconds) }
                self.run(name: name)
            }.start()
        }
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let accepted = queue.withLock { queue in
            if !queue.stopped { queue.jobs.append(job) }
            return !queue.stopped
        }
        if accepted {
            pending.signal()
        } else {
            // A job that arrives after `stop` runs on the shared pool (a store's write then finds its connection
            // closed and fails) instead of waiting for a thread that has ended.
            globalConcurrentExecutor.enqueue(job)
        }
    }

    /// Lets the threads end once the jobs already enqueued have run; later jobs go to the shared pool.
    public func stop() {
        queue.withLock { $0.stopped = true }
        for _ in 0..<threadCount { pending.signal() }
    }

    /// Names the calling OS thread (at most 15 bytes), as `top -H` and `perf` show it; `Thread.name` does not
    /// on Linux.
    public static func nameCurrentThread(_ name: String) {
        #if canImport(Glibc)
        if let comm = fopen("/proc/thread-self/comm", "w") {
            fputs(name, comm)
            fclose(comm)
        }
        #endif
    }

    private func run(name: String) {
        Self.nameCurrentThread(name)
        while true {
            pending.wait()
            // Every job is appended before its signal, so a thread woken by a job's signal finds a job; one woken
            // by `stop` finds the queue empty once the jobs before it have been taken.
            let (job, stopped) = queue.withLock { queue in
                (queue.jobs.isEmpty ? nil : queue.jobs.removeFirst(), queue.stopped)
            }
            if let job {
                job.runSynchronously(on: asUnownedTaskExecutor())
            } else if stopped {
                return
            }
        }
    }
}

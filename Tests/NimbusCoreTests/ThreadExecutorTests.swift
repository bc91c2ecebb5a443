import Dispatch
import Foundation
import NimbusCore
import Testing

@Suite("ThreadExecutor: blocking work on threads of its own")
struct ThreadExecutorTests {
    /// The OS name of the calling thread (what `ThreadExecutor` names its threads with).
    static func currentThreadName() -> String {
        ((try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8)) ?? "").trimmingCharacters(in: .newlines)
    }

    @Test("a task that prefers it runs on its named thread")
    func namedThread() async {
        let executor = ThreadExecutor(name: "nimbus-test-1")
        defer { executor.stop() }
        let name = await withTaskExecutorPreference(executor) { Self.currentThreadName() }
        #expect(name == "nimbus-test-1")
        #expect(Self.currentThreadName() != "nimbus-test-1")
    }

    @Test("threads that ask for a time slice run with it, where the kernel has custom slices (Linux 6.12+)")
    func timeSlice() async throws {
        let executor = ThreadExecutor(name: "nimbus-test-s", timeSlice: .microseconds(200))
        defer { executor.stop() }
        let sched = await withTaskExecutorPreference(executor) {
            (try? String(contentsOfFile: "/proc/thread-self/sched", encoding: .utf8)) ?? ""
        }
        let release = (try? String(contentsOfFile: "/proc/sys/kernel/osrelease", encoding: .utf8)) ?? ""
        let version = release.split(separator: ".").prefix(2).compactMap { Int($0) }
        guard version.count == 2, (version[0], version[1]) >= (6, 12) else { return }  // no custom slices to see
        let slice = sched.split(separator: "\n").first { $0.hasPrefix("se.slice") }?.split(separator: ":").last
        #expect(slice.map { $0.trimmingCharacters(in: .whitespaces) } == "200000", "\(sched.prefix(400))")
    }

    @Test("with two threads, two blocking jobs run at the same time")
    func concurrency() async {
        let executor = ThreadExecutor(name: "nimbus-test-2", threads: 2)
        defer { executor.stop() }
        let first = DispatchSemaphore(value: 0), second = DispatchSemaphore(value: 0)
        // Each job signals its own semaphore, then blocks until the other job has signalled: on one thread the
        // first job to start would wait out its timeout.
        async let a: DispatchTimeoutResult = withTaskExecutorPreference(executor) {
            first.signal()
            return second.wait(timeout: .now() + 10)
        }
        async let b: DispatchTimeoutResult = withTaskExecutorPreference(executor) {
            second.signal()
            return first.wait(timeout: .now() + 10)
        }
        let results = await [a, b]
        #expect(results == [.success, .success])
    }

    @Test("after stop, work still runs, on the shared pool")
    func afterStop() async {
        let executor = ThreadExecutor(name: "nimbus-test-3")
        #expect(await withTaskExecutorPreference(executor) { Self.currentThreadName() } == "nimbus-test-3")
        executor.stop()
        let name = await withTaskExecutorPreference(executor) { Self.currentThreadName() }
        #expect(name != "nimbus-test-3")
    }
}

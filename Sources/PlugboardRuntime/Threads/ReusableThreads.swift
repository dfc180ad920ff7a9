import Dispatch
import Synchronization

/// Dedicated threads of one stack size, kept for the next piece of work when they finish one.
///
/// Starting a thread with a large stack and ending it costs tens of microseconds (the stack is mapped, then unmapped
/// with a TLB flush on every core), as much as the rest of making a Wasmtime instance. So a thread that runs out of
/// work waits ``idleTimeout`` for more before it ends. Idle threads hold only what their stacks touched.
///
/// Work starts in the order it was handed over. A new thread starts only when no thread is idle. A thread that has
/// just finished a piece is not idle yet, so a steady stream of work can start a few more threads than pieces run at
/// once (16 callers handing over 3,000 pieces each started 48); those beyond what the work needs end after
/// ``idleTimeout``. The callers bound how much work runs at once: ``LoadingThreads``' slots and the pools' sizes.
package final class ReusableThreads: Sendable {
    package let stackSize: Int
    /// How long a thread with nothing to do waits for work before it ends.
    package let idleTimeout: Duration

    private struct State {
        /// Work not yet taken from `head` on; taken entries are cleared at once, so what a job's closure holds is
        /// released when the job ends, and the array is compacted once most of it is taken.
        var queue: [Job?] = []
        var head = 0
        /// Threads waiting for work and not yet promised any (each promise is one signal of `wakeUp`).
        var idle = 0
        var threads = 0
        var started = 0
    }

    private final class Job: Sendable {
        let work: @Sendable () -> Void
        init(_ work: @escaping @Sendable () -> Void) { self.work = work }
    }

    private let idleNanoseconds: Int
    private let state = Mutex(State())
    /// One signal per idle thread promised work.
    private let wakeUp = DispatchSemaphore(value: 0)

    package init(stackSize: Int, idleTimeout: Duration = .seconds(10)) {
        self.stackSize = stackSize
        self.idleTimeout = idleTimeout
        idleNanoseconds = Int((idleTimeout / .nanoseconds(1)).rounded())
    }

    /// Threads alive now (running work or idle), and how many were ever started.
    package var threadCounts: (alive: Int, started: Int) { state.withLock { ($0.threads, $0.started) } }

    /// Runs `work` on one of the threads: an idle one, else a new one.
    /// - Throws: the error of `pthread_create` when a new thread is needed and cannot start; `work` does not run.
    package func run(_ work: @escaping @Sendable () -> Void) throws(DedicatedThreadError) {
        let job = Job(work)
        let needsThread = state.withLock { state -> Bool in
            state.queue.append(job)
            if state.idle > 0 {
                state.idle -= 1
                return false
            }
            state.threads += 1
            state.started += 1
            return true
        }
        guard needsThread else {
            wakeUp.signal()
            return
        }
        do {
            try DedicatedThread.start(stackSize: stackSize) { [self] in serve() }
        } catch {
            // Take the job back unless another thread already took it (then it runs there).
            let stillQueued = state.withLock { state -> Bool in
                state.threads -= 1
                guard let index = state.queue[state.head...].firstIndex(where: { $0 === job }) else { return false }
                state.queue[index] = nil  // a thread that finds the slot empty moves on to the next
                return true
            }
            if stillQueued { throw error }
        }
    }

    /// A thread's life: run what is queued; when nothing is, wait up to ``idleTimeout`` for more, then end.
    private func serve() {
        while true {
            while let job = next() { job.work() }
            if wakeUp.wait(timeout: .now() + .nanoseconds(idleNanoseconds)) == .success { continue }
            let ends = state.withLock { state -> Bool in
                // Still unpromised: leave. Otherwise a signal is on its way to some waiting thread; take it.
                guard state.idle > 0 else { return false }
                state.idle -= 1
                state.threads -= 1
                return true
            }
            if ends { return }
            wakeUp.wait()
        }
    }

    /// The next queued job, or nil after marking this thread idle (in the same critical section, so a job queued
    /// after this sees an idle thread to promise it to).
    private func next() -> Job? {
        state.withLock { state -> Job? in
            while state.head < state.queue.count {
                let job = state.queue[state.head]
                state.queue[state.head] = nil
                state.head += 1
                if state.head >= 64, state.head * 2 >= state.queue.count {
                    state.queue.removeFirst(state.head)
                    state.head = 0
                }
                if let job { return job }
            }
            state.queue.removeAll(keepingCapacity: true)
            state.head = 0
            state.idle += 1
            return nil
        }
    }
}

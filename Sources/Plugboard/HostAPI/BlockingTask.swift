import Dispatch
import Synchronization

/// Runs async work to completion from synchronous code by blocking the current thread.
///
/// Only for threads outside Swift's cooperative pool (plugin queues): blocking a pool thread on work that needs
/// a pool thread can deadlock.
enum BlockingTask {
    static func run<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
        let done = DispatchSemaphore(value: 0)
        let result = Mutex<Result<T, any Error>?>(nil)
        Task {
            let outcome: Result<T, any Error>
            do {
                outcome = .success(try await body())
            } catch {
                outcome = .failure(error)
            }
            result.withLock { $0 = outcome }
            done.signal()
        }
        done.wait()
        return try result.withLock { $0! }.get()
    }
}

import Dispatch
import Synchronization
import PlugboardABI
import PlugboardManifest
import PlugboardWasmKit

/// Runs async work to completion from synchronous code by blocking the current thread.
///
/// Only for threads outside Swift's cooperative pool (plugin queues): blocking a pool thread on work that needs
/// a pool thread can deadlock. The work runs as a detached task, so it does not inherit the caller's task-local
/// values, among them the plugin lease the guest's call holds: a host function can never run a second call on the
/// instance that is waiting for it (a host function must not call its own plugin: that call waits for the lease).
package enum BlockingTask {
    package static func run<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) throws -> T {
        let done = DispatchSemaphore(value: 0)
        let result = Mutex<Result<T, any Error>?>(nil)
        Task.detached {
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

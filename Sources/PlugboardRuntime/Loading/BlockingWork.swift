import Dispatch
import PlugboardABI
import PlugboardManifest
import PlugboardWasmKit

/// Runs blocking work (compiling a module, instantiating it, guest code that may wait on an async host function)
/// on a dispatch thread, so it never ties up a thread of Swift's cooperative pool.
package enum BlockingWork {
    package static func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(with: Result { try work() }) }
        }
    }
}

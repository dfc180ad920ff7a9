import Dispatch

/// Runs one plugin actor's jobs on its own dispatch queue instead of Swift's cooperative thread pool.
///
/// Guest code runs synchronously inside actor methods, and a guest calling an `async` host function blocks its
/// thread until the host's task finishes. On the cooperative pool (one thread per core) a few such waits could
/// starve the very tasks they wait for; on dispatch queues they cannot, and long guest calls leave the pool free
/// for everything else (an HTTP server's handlers, for instance).
final class PluginExecutor: SerialExecutor {
    private let queue: DispatchQueue

    init(label: String) {
        queue = DispatchQueue(label: label)
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.async { job.runSynchronously(on: self.asUnownedSerialExecutor()) }
    }

    func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }
}

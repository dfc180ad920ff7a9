import Dispatch
import Foundation
import Synchronization
import PlugboardABI
import PlugboardManifest
import PlugboardWasmKit

/// Where a plugin's guest code runs: inline on the calling task's thread when that is safe, else on the plugin's
/// own dispatch queue.
///
/// Handing a call to another thread and back costs two thread wake-ups (tens of microseconds on a small VM, more
/// than most guest calls), so a call runs inline on Swift's cooperative pool when it can. Two rules keep the pool
/// from ever being starved by guests, however long they run:
/// - At most ``inlineLimit`` guest calls run inline at once in the whole process (one less than the processor
///   count): at least one of the pool's threads is always left for everything else. Further calls wait for
///   nothing; they run on their plugin's queue.
/// - A plugin that imports a host function which waits for other tasks, I/O or the network
///   (``HostFunction/blocks``) always runs on its queue: a wait on the cooperative pool could starve the very
///   task it waits for.
package struct GuestThread: Sendable {
    private let queue: DispatchQueue
    /// Whether this plugin's calls may run inline at all.
    package let mayRunInline: Bool

    package init(label: String, mayRunInline: Bool) {
        queue = DispatchQueue(label: label)
        self.mayRunInline = mayRunInline
    }

    /// Runs `work` inline or on the plugin's queue, and returns its outcome.
    package func run<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        if mayRunInline, Self.enterInline() {
            defer { Self.leaveInline() }
            return work()
        }
        return await withCheckedContinuation { continuation in
            queue.async { continuation.resume(returning: work()) }
        }
    }

    /// Runs `work` on the plugin's queue, never inline (for work that may wait: releasing an instance).
    package func runOnQueue<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            queue.async { continuation.resume(returning: work()) }
        }
    }

    /// How many guest calls may run inline on the cooperative pool at once, process-wide.
    package static let inlineLimit = max(0, ProcessInfo.processInfo.activeProcessorCount - 1)
    private static let runningInline = Atomic<Int>(0)

    private static func enterInline() -> Bool {
        var current = runningInline.load(ordering: .relaxed)
        while current < inlineLimit {
            let (exchanged, original) = runningInline.compareExchange(
                expected: current, desired: current + 1, ordering: .acquiringAndReleasing)
            if exchanged { return true }
            current = original
        }
        return false
    }

    private static func leaveInline() {
        runningInline.subtract(1, ordering: .releasing)
    }
}

/// A value handed to the thread that runs a guest call, used by that thread alone until the call returns.
///
/// Instances are not thread-safe; a plugin's lease (see ``Plugin``) guarantees one call at a time uses them.
package struct Exclusive<Value>: @unchecked Sendable {
    package let value: Value
}

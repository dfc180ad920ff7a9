import PlugboardABI
import Synchronization

/// Where plugins are loaded: parsing, validation, compilation and instantiation (with the guest code it runs:
/// `start`, `_initialize`, `initialize`, `get-metadata`).
///
/// Each load runs on a thread of its own with a 64 MiB stack (one of ``threads``, kept a while for the next load),
/// never on Swift's cooperative pool or a Dispatch queue, so a file that takes long to load (up to its deadline)
/// cannot stall the server's other work, and recursion in a parser has far more room than any pre-check lets it use.
/// At most ``maxConcurrentLoads`` loads of new plugins or versions run at once; further ones wait their turn. Fresh
/// instances of plugins already loaded (a pool growing, or replacing an instance) are not counted: they are bounded
/// by the pools' sizes, and a burst of slow loads must not delay them.
package enum LoadingThreads {
    package static let stackSize = 64 << 20
    package static let maxConcurrentLoads = 8

    private static let slots = AsyncSlots(count: maxConcurrentLoads)
    /// The loading threads, each kept a while for the next load or fresh instance once it is done.
    package static let threads = ReusableThreads(stackSize: stackSize)

    /// Runs `work` on a loading thread and returns what it returns or throws.
    /// - Parameter counted: Whether the load takes one of the ``maxConcurrentLoads`` slots (loads of new plugins and
    ///   versions do; fresh instances of loaded plugins do not).
    package static func run<T: Sendable>(counted: Bool = true, _ work: @escaping @Sendable () throws -> T) async throws -> T {
        guard counted else { return try await start(work) }
        return try await slots.withSlot { try await start(work) }
    }

    private static func start<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            do {
                try threads.run { continuation.resume(with: Result { try work() }) }
            } catch {
                continuation.resume(throwing: PlugboardError.invalidArgument("the host could not start a thread to load the plugin: \(error)"))
            }
        }
    }
}

/// A counting semaphore for tasks: at most `count` bodies run at once; the others wait, first come first served.
package final class AsyncSlots: Sendable {
    private struct State {
        var free: Int
        var waiters: [CheckedContinuation<Void, Never>] = []
        var head = 0
    }

    private let state: Mutex<State>

    package init(count: Int) { state = Mutex(State(free: count)) }

    package func withSlot<T>(_ body: () async throws -> T) async throws -> T {
        await acquire()
        defer { release() }
        return try await body()
    }

    private func acquire() async {
        let acquired = state.withLock { state -> Bool in
            guard state.free > 0 else { return false }
            state.free -= 1
            return true
        }
        if acquired { return }
        await withCheckedContinuation { continuation in
            let resumeNow = state.withLock { state -> Bool in
                if state.free > 0 {
                    state.free -= 1
                    return true
                }
                state.waiters.append(continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    private func release() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if state.head < state.waiters.count {
                let waiter = state.waiters[state.head]
                state.head += 1
                if state.head == state.waiters.count {
                    state.waiters.removeAll(keepingCapacity: true)
                    state.head = 0
                }
                return waiter  // the slot passes straight to the waiter
            }
            state.free += 1
            return nil
        }
        next?.resume()
    }
}
